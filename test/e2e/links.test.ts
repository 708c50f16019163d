import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaApi, registerViaUi, signInViaUi, type Account } from './helpers/flows.js';
import { REPO } from './helpers/server.js';

/**
 * Issue #18, as a new user meets it: email links are checked on load ("expired or already used"
 * before any form), the join page names who invites to what and survives a reload, registering
 * from it makes no throwaway organization, an email change says what it does, and a last owner
 * learns up front why the account cannot be deleted.
 */
const e2e = await startE2e();
const SHOTS = process.env.E2E_SHOTS ?? join(REPO, 'test-results', 'e2e', 'links');
const DEAD = 'This link has expired or was already used.';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

/** Full-page screenshots at the desktop size and at 390×844, to look at. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const desktop = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, `${name}-390.png`), fullPage: true });
  if (desktop !== null) await page.setViewportSize(desktop);
}

async function organizationCount(databaseUrl: string): Promise<number> {
  const db = openDatabase(databaseUrl);
  try {
    return (await db.kysely.selectFrom('organizations').select('id').execute()).length;
  } finally {
    await db.close();
  }
}

async function invite(page: Page, email: string): Promise<void> {
  await page.getByRole('link', { name: 'Organization', exact: true }).click();
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText(`Invitation sent to ${email}.`).waitFor();
}

describeWithChromium('web UI: email links, joining and account deletion (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it('a superseded or used reset link says so on load, with no password field and a way to a new link', { timeout: 90_000 }, async () => {
    const rita = account('rita');
    await registerViaApi(server, rita);
    const { page, context, problems } = await openTab(browser);
    for (let i = 0; i < 2; i += 1) {
      await page.goto(`${server.url}/forgot-password`);
      await page.getByLabel('Email', { exact: true }).fill(rita.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(`If an account exists for ${rita.email}`).waitFor();
    }
    // Newest first: skip 1 is the first link, which the second request superseded.
    const superseded = await server.linkFromEmail(rita.email, '/reset-password', { skip: 1 });
    const current = await server.linkFromEmail(rita.email, '/reset-password');
    expect(superseded).not.toBe(current);

    await page.goto(superseded);
    await page.getByText(DEAD).waitFor();
    expect(addressOf(page)).toBe('/reset-password');
    expect(await page.locator('input[type=password]').count()).toBe(0);
    await page.getByRole('link', { name: 'Request a new reset link' }).waitFor();
    expect(await inlineStyleCount(page)).toBe(0);
    await shoot(page, 'reset-dead');

    // The live link shows the form, naming the account; after use it is dead in turn.
    await page.goto(current);
    await page.getByText(`Choose a new password for ${rita.email}`).waitFor();
    await shoot(page, 'reset-form');
    // The token left the address bar but not the tab: a reload keeps the form.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await page.reload();
    await page.getByText(`Choose a new password for ${rita.email}`).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase 31');
    await page.getByLabel('Repeat the new password').fill('a brand new passphrase 31');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed').waitFor();
    await page.goto(current);
    await page.getByText(DEAD).waitFor();
    expect(await page.locator('input[type=password]').count()).toBe(0);
    await page.getByRole('link', { name: 'Request a new reset link' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();

    expect(problems).toEqual([]);
    await context.close();
  });

  it('a used verification link says so with the way forward, signed out and signed in', { timeout: 90_000 }, async () => {
    const vera = account('vera');
    await registerViaApi(server, vera);
    const link = await server.linkFromEmail(vera.email, '/verify-email');
    const { page, context, problems } = await openTab(browser);
    await page.goto(link);
    await page.getByText('Your email address is confirmed.').waitFor();

    await page.goto(link);
    await page.getByText(DEAD).waitFor();
    await page.getByText('Sign in to send yourself a new one').waitFor();
    await shoot(page, 'verify-dead-signed-out');
    await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
    await signInViaUi(page, server, vera, { open: false });
    await page.getByRole('heading', { name: `Hello, ${vera.name}` }).waitFor();
    await page.goto(link);
    await page.getByText(DEAD).waitFor();
    await page.getByText(`Your address ${vera.email} is already confirmed`).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('join names the organization and the inviter, survives a reload, and registering through it creates no organization', { timeout: 120_000 }, async () => {
    const owner = await openTab(browser);
    const olga = account('olga');
    await registerViaUi(owner.page, server, olga, 'Links Test Org');
    const ivan = account('ivan');
    await invite(owner.page, ivan.email);
    const link = await server.linkFromEmail(ivan.email, '/join');

    const guest = await openTab(browser);
    await guest.page.goto(link);
    const summary = `${olga.name} (${olga.email}) invited you to join Links Test Org as a member.`;
    await guest.page.getByText(summary).waitFor();
    await guest.page.getByRole('heading', { name: 'Join Links Test Org' }).waitFor();
    expect(addressOf(guest.page)).toBe('/join');
    await shoot(guest.page, 'join-signed-out');
    // The token left the address bar but not the tab: a reload still knows the invitation.
    await guest.page.reload();
    await guest.page.getByText(summary).waitFor();
    await guest.page.getByRole('link', { name: 'Sign in to accept' }).waitFor();

    await guest.page.getByRole('link', { name: 'Create an account' }).click();
    await guest.page.getByText(`${olga.name} invited you to Links Test Org: your new account joins it as a member.`).waitFor();
    expect(await guest.page.getByLabel('Organization name').count()).toBe(0);
    await shoot(guest.page, 'register-to-join');
    const organizationsBefore = await organizationCount(server.env.DATABASE_URL!);
    await guest.page.getByLabel('Your name').fill(ivan.name);
    await guest.page.getByLabel('Email', { exact: true }).fill(ivan.email);
    await guest.page.getByLabel('Password', { exact: true }).fill(ivan.password);
    await guest.page.getByRole('button', { name: 'Create account and join' }).click();
    await guest.page.getByRole('heading', { name: `Hello, ${ivan.name}` }).waitFor();
    await guest.page.getByText('Welcome to Links Test Org!').waitFor();
    await guest.page.getByText('You are a member of Links Test Org.').waitFor();
    expect(await organizationCount(server.env.DATABASE_URL!)).toBe(organizationsBefore);
    // Used up: the tab forgot the token, and the link is dead for anyone.
    expect(await guest.page.evaluate<string | null>("window.sessionStorage.getItem('gatehouse:token:/join')")).toBeNull();
    await shoot(guest.page, 'joined-profile');
    const late = await openTab(browser);
    await late.page.goto(link);
    await late.page.getByText(DEAD).waitFor();
    await late.page.getByText('Ask the person who invited you to send a new invitation.').waitFor();
    expect(await late.page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    await shoot(late.page, 'join-dead');

    // The last owner of an organization with a member learns it up front: no password field.
    await owner.page.getByRole('link', { name: 'Profile', exact: true }).click();
    const deletion = owner.page.getByRole('region', { name: 'Delete account' });
    await deletion.getByText('You are the only owner of Links Test Org, which has one other member.').waitFor();
    expect(await deletion.locator('input[type=password]').count()).toBe(0);
    expect(await deletion.getByRole('button', { name: 'Delete account…' }).count()).toBe(0);
    await shoot(owner.page, 'delete-blocked');
    // The way forward: make the other member an owner on the organization page; then deletion is offered.
    await deletion.getByRole('link', { name: 'Go to organization members' }).click();
    await owner.page.getByLabel(`Role of ${ivan.email}`, { exact: true }).selectOption('owner');
    await owner.page.getByRole('button', { name: `Save role of ${ivan.email}` }).click();
    await owner.page.getByText(`${ivan.email} is now owner.`).waitFor();
    await owner.page.getByRole('link', { name: 'Profile', exact: true }).click();
    await owner.page.getByRole('region', { name: 'Delete account' }).getByRole('button', { name: 'Delete account…' }).waitFor();

    expect([...owner.problems, ...guest.problems, ...late.problems]).toEqual([]);
    await owner.context.close();
    await guest.context.close();
    await late.context.close();
  });

  it('a signed-in visitor accepts after a reload; the token is forgotten once used', { timeout: 90_000 }, async () => {
    const owner = await openTab(browser);
    const oscar = account('oscar');
    await registerViaUi(owner.page, server, oscar, 'Reload Test Org');
    const june = account('june');
    await registerViaApi(server, june);
    await invite(owner.page, june.email);
    const link = await server.linkFromEmail(june.email, '/join');

    const tab = await openTab(browser);
    await tab.page.goto(link);
    await tab.page.getByRole('link', { name: 'Sign in to accept' }).click();
    await signInViaUi(tab.page, server, june, { open: false });
    await tab.page.getByText(`${oscar.name} (${oscar.email}) invited you to join Reload Test Org`).waitFor();
    await tab.page.reload();
    await tab.page.getByText(`You are signed in as ${june.email}`).waitFor();
    await shoot(tab.page, 'join-signed-in');
    await tab.page.getByRole('button', { name: 'Accept invitation' }).click();
    await tab.page.getByText('You joined the organization Reload Test Org.').waitFor();
    expect(await tab.page.evaluate<string | null>("window.sessionStorage.getItem('gatehouse:token:/join')")).toBeNull();
    await tab.page.reload();
    await tab.page.getByText('This invitation link is incomplete.').waitFor();
    expect([...owner.problems, ...tab.problems]).toEqual([]);
    await owner.context.close();
    await tab.context.close();
  });

  it('an owner whose organization gained a member after the page loaded gets the explanation from the 409', { timeout: 90_000 }, async () => {
    const owner = await openTab(browser);
    const nora = account('nora');
    await registerViaUi(owner.page, server, nora, 'Late Member Org');
    const deletion = owner.page.getByRole('region', { name: 'Delete account' });
    await deletion.getByRole('button', { name: 'Delete account…' }).click();
    // Meanwhile, in another tab of the same browser, she invites someone who joins at once.
    const other = await owner.context.newPage();
    await other.goto(`${server.url}/organization`);
    const max = account('max');
    await invite(other, max.email);
    const joiner = await openTab(browser);
    await joiner.page.goto(await server.linkFromEmail(max.email, '/join'));
    await joiner.page.getByRole('link', { name: 'Create an account' }).click();
    await joiner.page.getByLabel('Your name').fill(max.name);
    await joiner.page.getByLabel('Email', { exact: true }).fill(max.email);
    await joiner.page.getByLabel('Password', { exact: true }).fill(max.password);
    await joiner.page.getByRole('button', { name: 'Create account and join' }).click();
    await joiner.page.getByText('Welcome to Late Member Org!').waitFor();

    await deletion.getByLabel('Password', { exact: true }).fill(nora.password);
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await deletion.getByText('You are the only owner of Late Member Org').waitFor();
    await deletion.getByRole('link', { name: 'Go to organization members' }).waitFor();
    expect(await deletion.locator('input[type=password]').count()).toBe(0);
    expect([...owner.problems, ...joiner.problems]).toEqual([]);
    await owner.context.close();
    await joiner.context.close();
  });

  it('an email change says beforehand that sign-in moves at once, and afterwards shows the pending confirmation with resend', { timeout: 90_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    const erin = account('erin');
    await registerViaUi(page, server, erin);
    await page.getByText('The change takes effect at once: from then on you sign in with the new address').waitFor();
    const newEmail = uniqueEmail('erin-new');
    await page.getByLabel('New email address').fill(newEmail);
    await page.getByLabel('Current password').fill(erin.password);
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByText(`Your email is now ${newEmail}. You sign in with it from now on`).waitFor();
    await page.locator('.email-value').getByText(newEmail, { exact: true }).waitFor();
    await page.getByText('This address is waiting for confirmation.').waitFor();
    await page.getByRole('button', { name: 'Resend confirmation email' }).waitFor();
    await shoot(page, 'email-changed');
    expect(problems).toEqual([]);
    await context.close();
  });
});
