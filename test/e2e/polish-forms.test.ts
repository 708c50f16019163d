import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, startE2e, uniqueEmail, type Tab } from './helpers/browser.js';
import { registerViaApi, registerViaUi, signInViaUi, type Account } from './helpers/flows.js';

/** Issue #18, forms: errors shown once and cleared on edit, re-auth wording, password reveal and strength, focus, phone nav, button hierarchy. */

const e2e = await startE2e();
const SHOTS = '/tmp/shots-forms';
const PHONE = { width: 390, height: 844 } as const;
const DESKTOP = { width: 1200, height: 860 } as const;

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function phoneTab(browser: Browser): Promise<Tab> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** The ids an input's aria-describedby names, and whether it says it is invalid. */
async function describedBy(input: Locator): Promise<{ readonly invalid: string | null; readonly ids: readonly string[] }> {
  return { invalid: await input.getAttribute('aria-invalid'), ids: ((await input.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id !== '') };
}

/** Per card: how many primary buttons, and the destructive buttons not styled as danger. */
async function buttonHierarchy(page: Page): Promise<{ readonly primaries: number[]; readonly quietDestructive: string[] }> {
  const primaries: number[] = [];
  const quietDestructive: string[] = [];
  for (const card of await page.locator('.card').all()) {
    primaries.push(await card.locator('.button.primary').count());
    for (const button of await card.getByRole('button', { name: /^(delete|remove|revoke|turn off)/i }).all()) {
      const classes = (await button.getAttribute('class')) ?? '';
      if (!/\bdanger(-outline)?\b/.test(classes)) quietDestructive.push(`${(await button.textContent()) ?? ''} (${classes})`);
    }
  }
  return { primaries, quietDestructive };
}

async function expectHeadingFocused(page: Page, name: string): Promise<void> {
  await expect.poll(() => page.locator('h1:focus').count()).toBe(1);
  expect(await page.locator('h1:focus').textContent()).toBe(name);
}

describeWithChromium('web UI polish: forms (issue #18)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it('register: a field error shows once, next to its field, and goes when the field is edited; reveal and strength meter', { timeout: 60_000 }, async () => {
    const { page, problems } = await openTab(browser);
    await page.goto(`${server.url}/register`);
    const password = page.getByLabel('Password', { exact: true });
    const reveal = page.getByRole('button', { name: 'Show password' });

    // Show/hide: a toggle button whose pressed state matches the input's type.
    expect(await reveal.getAttribute('aria-pressed')).toBe('false');
    expect(await password.getAttribute('type')).toBe('password');
    await reveal.click();
    expect(await reveal.getAttribute('aria-pressed')).toBe('true');
    expect(await password.getAttribute('type')).toBe('text');
    await reveal.click();
    expect(await password.getAttribute('type')).toBe('password');

    // Strength: a weak word and a long passphrase read differently.
    await password.fill('password');
    await page.getByText('Strength: Very weak.').waitFor();
    await shot(page, 'register-weak-desktop');
    await password.fill('violet gravel orbit canyon 1987 lantern');
    await page.getByText(/^Strength: (Strong|Very strong)\.$/).waitFor();
    expect(await page.getByText('Strength: Very weak.').count()).toBe(0);
    const strengthId = (await describedBy(password)).ids.find((id) => id.endsWith('-strength'));
    expect(strengthId).toBeDefined();

    // The server's field error: once, under the field, tied to it; no banner repeating it.
    const person = account('jonathan');
    await page.getByLabel('Your name').fill(person.name);
    await page.getByLabel('Email', { exact: true }).fill(person.email);
    const local = person.email.split('@')[0]!;
    await password.fill(`my ${local} secret`);
    // The meter knows the server's rule about the email address: no "Very strong" for a refused password.
    await page.getByText('Strength: Very weak. It contains the part of your email address before the @.').waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    const message = 'The password must not contain the part of your email address before the @.';
    await page.getByText(message).waitFor();
    expect(await page.getByText(message).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByText('Some fields are invalid.').count()).toBe(0);
    const invalid = await describedBy(password);
    expect(invalid.invalid).toBe('true');
    const errorId = invalid.ids.find((id) => id.endsWith('-error'));
    expect(errorId).toBeDefined();
    expect(await page.locator(`[id="${errorId!}"]`).textContent()).toBe(message);
    await shot(page, 'register-field-error-desktop');

    // Editing the field clears its error (and its aria-invalid).
    await password.press('End');
    await password.pressSequentially('x');
    await expect.poll(() => page.getByText(message).count()).toBe(0);
    expect((await describedBy(password)).invalid).toBeNull();

    // A taken address is about the email field: said there, once, and gone when the address is edited.
    const taken = account('taken');
    await registerViaApi(server, taken);
    const email = page.getByLabel('Email', { exact: true });
    await email.fill(taken.email);
    await password.fill('violet gravel orbit canyon 1987 lantern');
    await page.getByRole('button', { name: 'Create account' }).click();
    const exists = 'An account with this email already exists.';
    await page.getByText(exists).waitFor();
    expect(await page.getByText(exists).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await describedBy(email)).invalid).toBe('true');
    await email.fill(`new-${taken.email}`);
    await expect.poll(() => page.getByText(exists).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('phone: the register form with reveal button and meter fits 390 px', { timeout: 60_000 }, async () => {
    const { page, context } = await phoneTab(browser);
    await page.goto(`${server.url}/register`);
    await page.getByLabel('Password', { exact: true }).fill('password1');
    await page.getByText(/^Strength: /).waitFor();
    const field = await page.getByLabel('Password', { exact: true }).boundingBox();
    const reveal = await page.getByRole('button', { name: 'Show password' }).boundingBox();
    // The eye sits inside the input, not below it or past the screen's edge.
    expect(reveal!.x + reveal!.width).toBeLessThanOrEqual(field!.x + field!.width);
    expect(reveal!.y).toBeGreaterThanOrEqual(field!.y);
    expect(reveal!.y + reveal!.height).toBeLessThanOrEqual(field!.y + field!.height);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'register-phone');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expectHeadingFocused(page, 'Sign in');
    await page.getByLabel('Password', { exact: true }).fill('secret');
    await page.getByRole('button', { name: 'Show password' }).click();
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('text');
    await shot(page, 'sign-in-phone');
    await context.close();
  });

  it('re-authentication says "That password is incorrect." next to the password; success and flash messages go on the next edit', { timeout: 90_000 }, async () => {
    const { page, problems } = await openTab(browser);
    const bea = account('bea');
    await registerViaUi(page, server, bea, 'Bea Org');

    // The welcome flash from registering goes once the user edits something on the page.
    const welcome = page.getByText(`Welcome! We sent a link to ${bea.email}`);
    await welcome.waitFor();
    // Nothing is changed yet: no section shouts; the one being edited becomes the primary button.
    expect(await page.locator('main .button.primary').count()).toBe(0);
    await shot(page, 'profile-fresh-desktop');
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('Bea Renamed');
    await expect.poll(() => welcome.count()).toBe(0);

    // A success message goes on the next edit.
    const saveName = page.getByRole('button', { name: 'Save name' });
    expect(await saveName.getAttribute('class')).toContain('primary');
    await saveName.click();
    await page.getByText('Your name was saved.').waitFor();
    await name.fill('Bea Renamed Again');
    await expect.poll(() => page.getByText('Your name was saved.').count()).toBe(0);

    // Focus moves to the new page's heading on a client-side navigation.
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await expectHeadingFocused(page, 'Security');

    // Change password with a wrong current password: the message is about the password, once, at the field.
    const current = page.getByLabel('Current password');
    await current.fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill('violet gravel orbit canyon 1987 lantern');
    await page.getByLabel('Repeat the new password').fill('violet gravel orbit canyon 1987 lantern');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('That password is incorrect.').waitFor();
    expect(await page.getByText('That password is incorrect.').count()).toBe(1);
    expect(await page.getByText('The email or password is incorrect.').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await describedBy(current)).invalid).toBe('true');
    await shot(page, 'change-password-wrong-desktop');
    await current.fill('still not it');
    await expect.poll(() => page.getByText('That password is incorrect.').count()).toBe(0);

    // The same in a re-authentication form (authenticator-app setup asks for the password first).
    await page.getByRole('button', { name: /Set up (an )?authenticator app/i }).click();
    const totpPassword = page.getByLabel('Password', { exact: true });
    await totpPassword.fill('wrong wrong wrong');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('That password is incorrect.').waitFor();
    expect(await page.getByText('That password is incorrect.').count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    await totpPassword.fill('x');
    await expect.poll(() => page.getByText('That password is incorrect.').count()).toBe(0);

    // One primary button per card; destructive buttons look destructive.
    for (const path of ['Profile', 'Security', 'Organization']) {
      await page.getByRole('link', { name: path, exact: true }).click();
      await page.locator('.card').first().waitFor();
      await expectHeadingFocused(page, path === 'Profile' ? 'Hello, Bea Renamed' : path === 'Organization' ? 'Bea Org' : 'Security');
      const report = await buttonHierarchy(page);
      expect(Math.max(...report.primaries), path).toBeLessThanOrEqual(1);
      // Forms with nothing typed yet keep their button quiet.
      for (const quiet of ['Save name', 'Change email', 'Rename organization', 'Change password', 'Send invitation']) {
        for (const button of await page.getByRole('button', { name: quiet, exact: true }).all()) expect(await button.getAttribute('class'), quiet).toContain('secondary');
      }
      expect(report.quietDestructive, path).toEqual([]);
      await shot(page, `${path.toLowerCase()}-desktop`);
    }
    expect(await inlineStyleCount(page)).toBe(0);

    // The sign-out flash goes once the user starts typing on the sign-in page.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await expectHeadingFocused(page, 'Sign in');
    await page.getByLabel('Email', { exact: true }).fill(bea.email);
    await expect.poll(() => page.getByText('You are signed out.').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('phone (390×844): the top bar still says who is signed in and offers sign out; member-row buttons keep apart', { timeout: 120_000 }, async () => {
    const owner = await phoneTab(browser);
    const olga = account('olga');
    await registerViaUi(owner.page, server, olga, 'Polish Org');
    const who = owner.page.locator('.topbar').getByText(olga.email);
    expect(await who.isVisible()).toBe(true);
    const box = await who.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    expect(await owner.page.getByRole('button', { name: 'Sign out', exact: true }).isVisible()).toBe(true);
    await shot(owner.page, 'profile-phone');

    // A second member, so the owner's list has a row with role, save and remove controls.
    const ivan = account('ivan');
    await registerViaApi(server, ivan);
    await owner.page.getByRole('link', { name: 'Organization', exact: true }).click();
    await owner.page.getByLabel('Email address').fill(ivan.email);
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page.getByText(`Invitation sent to ${ivan.email}.`).waitFor();
    // The success message goes once the owner types the next address.
    await owner.page.getByLabel('Email address').fill('x');
    await expect.poll(() => owner.page.getByText(`Invitation sent to ${ivan.email}.`).count()).toBe(0);
    await owner.page.getByLabel('Email address').fill('');
    const link = await server.linkFromEmail(ivan.email, '/join');
    const guest = await openTab(browser);
    await signInViaUi(guest.page, server, ivan);
    await guest.page.getByRole('heading', { name: `Hello, ${ivan.name}` }).waitFor();
    await guest.page.goto(link);
    await guest.page.getByRole('button', { name: 'Accept invitation' }).click();
    await guest.page.getByText('You joined the organization Polish Org.').waitFor();
    await guest.context.close();

    await owner.page.reload();
    // A full page load keeps the browser's own focus: only client-side navigations move it.
    await owner.page.getByRole('heading', { name: 'Polish Org' }).waitFor();
    expect(await owner.page.locator('h1:focus').count()).toBe(0);
    const row = owner.page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: ivan.email });
    await row.waitFor();
    const controls = [
      owner.page.getByLabel(`Role of ${ivan.email}`, { exact: true }),
      owner.page.getByRole('button', { name: `Save role of ${ivan.email}` }),
      owner.page.getByRole('button', { name: `Remove ${ivan.email}` }),
    ];
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await owner.page.setViewportSize(viewport);
      const boxes = await Promise.all(controls.map(async (c) => (await c.boundingBox())!));
      for (let i = 0; i < boxes.length; i += 1) {
        const a = boxes[i]!;
        expect(a.x + a.width, `${label}: control ${String(i)} inside the screen`).toBeLessThanOrEqual(viewport.width);
        for (let j = i + 1; j < boxes.length; j += 1) {
          const b = boxes[j]!;
          const apart = a.x + a.width + 4 <= b.x || b.x + b.width + 4 <= a.x || a.y + a.height + 4 <= b.y || b.y + b.height + 4 <= a.y;
          expect(apart, `${label}: controls ${String(i)} and ${String(j)} at least 4 px apart`).toBe(true);
        }
      }
      await shot(owner.page, `organization-${label}`);
    }
    // Opening "Remove" asks in the row; its two buttons keep apart too.
    await owner.page.setViewportSize(PHONE);
    await owner.page.getByRole('button', { name: `Remove ${ivan.email}` }).click();
    const confirm = [row.getByRole('button', { name: 'Remove member' }), row.getByRole('button', { name: 'Cancel' })];
    const [yes, no] = await Promise.all(confirm.map(async (c) => (await c.boundingBox())!));
    expect(yes!.x + yes!.width + 4 <= no!.x || yes!.y + yes!.height + 4 <= no!.y).toBe(true);
    expect(no!.x + no!.width).toBeLessThanOrEqual(PHONE.width);
    await shot(owner.page, 'organization-remove-phone');
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  });
});
