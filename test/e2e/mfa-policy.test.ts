import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaApi, registerViaUi, signInViaUi, signOutViaUi, type Account } from './helpers/flows.js';
import { enrollTotpViaUi, waitForSecondStep } from './helpers/mfa.js';

// Site admins must have a second factor on this server (the production default).
const e2e = await startE2e({ ADMIN_REQUIRE_MFA: 'true' });
const mfaApi = e2e !== null && (await e2e.server.routeExists('GET', '/api/mfa'));
const SKIP = mfaApi ? '' : ' (skipped: GET /api/mfa is not served yet)';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

async function findUser(page: Page, email: string): Promise<void> {
  await page.getByLabel('Search').fill(email);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('list', { name: 'Users' }).getByText(email).waitFor();
}

describeWithChromium('web UI: two-factor policies (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it.skipIf(!mfaApi)(`an owner requires two-factor; a member is sent to Security and reaches the organization page only after enrolling${SKIP}`, { timeout: 150_000 }, async () => {
    const owner = await openTab(browser);
    const olive = account('olive');
    await registerViaUi(owner.page, server, olive, 'Policy Test Org');
    await enrollTotpViaUi(owner.page, olive.password);

    // The owner invites a member, who joins from the emailed link.
    await owner.page.getByRole('link', { name: 'Organization', exact: true }).click();
    const max = account('max');
    await owner.page.getByLabel('Email address').fill(max.email);
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page.getByText(`Invitation sent to ${max.email}.`).waitFor();
    const member = await openTab(browser);
    await registerViaUi(member.page, server, max);
    await member.page.goto(await server.linkFromEmail(max.email, '/join'));
    await member.page.getByRole('button', { name: 'Accept invitation' }).click();
    await member.page.getByText('You joined the organization Policy Test Org.').waitFor();
    await member.page.getByRole('link', { name: 'See your organization' }).click();
    await member.page.getByRole('heading', { name: 'Policy Test Org' }).waitFor();
    await signOutViaUi(member.page);

    await owner.page.reload();
    const members = owner.page.getByRole('list', { name: 'Members' });
    await members.getByRole('listitem').filter({ hasText: max.email }).getByText('No 2FA').waitFor();
    await members.getByRole('listitem').filter({ hasText: olive.email }).getByText('2FA', { exact: true }).waitFor();
    const toggle = owner.page.getByRole('switch', { name: 'Require two-factor authentication' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await owner.page.getByText('Two-factor authentication is now required for every member.').waitFor();
    expect(await toggle.isChecked()).toBe(true);
    await screenshot(owner.page, 'mfa-org-policy');

    // The member signs in (password only: no factor yet) and lands on Security, whatever they asked for.
    await member.page.goto(`${server.url}/organization`);
    await member.page.waitForURL(/\/sign-in\?next=%2Forganization$/);
    await signInViaUi(member.page, server, max, { open: false });
    await member.page.getByText('Your organization requires two-factor authentication.').waitFor();
    expect(addressOf(member.page)).toBe('/security');
    await screenshot(member.page, 'mfa-setup-required');
    await member.page.getByRole('link', { name: 'Organization', exact: true }).click();
    await member.page.getByText('Your organization requires two-factor authentication.').waitFor();
    expect(addressOf(member.page)).toBe('/security');
    await member.page.getByRole('link', { name: 'Profile', exact: true }).click();
    await member.page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    expect(addressOf(member.page)).toBe('/security');

    await enrollTotpViaUi(member.page, max.password);
    expect(await member.page.getByText('Your organization requires two-factor authentication.').count()).toBe(0);
    await member.page.getByRole('link', { name: 'Organization', exact: true }).click();
    await member.page.getByRole('heading', { name: 'Policy Test Org' }).waitFor();
    expect(addressOf(member.page)).toBe('/organization');
    await member.page.getByText('Your organization requires two-factor authentication for every member.').waitFor();
    expect([...owner.problems, ...member.problems]).toEqual([]);
    await owner.context.close();
    await member.context.close();
  });

  it.skipIf(!mfaApi)(`an admin must set up two-factor first, then resets a user's second factors${SKIP}`, { timeout: 150_000 }, async () => {
    const root = account('root');
    server.createAdmin(root.email, root.password);
    const rita = account('rita');
    await registerViaApi(server, rita);

    // Rita turns on an authenticator app.
    const user = await openTab(browser);
    await signInViaUi(user.page, server, rita);
    await user.page.getByRole('heading', { name: `Hello, ${rita.name}` }).waitFor();
    await enrollTotpViaUi(user.page, rita.password);
    await signOutViaUi(user.page);

    // The admin, without a second factor, is sent to Security with the admin policy's banner.
    const admin = await openTab(browser);
    await signInViaUi(admin.page, server, root);
    await admin.page.getByText('Admins must use two-factor authentication.').waitFor();
    expect(addressOf(admin.page)).toBe('/security');
    await screenshot(admin.page, 'mfa-admin-setup-required');
    const enrolled = await enrollTotpViaUi(admin.page, root.password);
    expect(enrolled.recoveryCodes).toHaveLength(10);

    await admin.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await admin.page.getByRole('heading', { name: 'Administration' }).waitFor();
    await findUser(admin.page, rita.email);
    const row = admin.page.getByRole('list', { name: 'Users' }).getByRole('listitem').filter({ hasText: rita.email });
    await row.getByText('Second factors: authenticator app').waitFor();
    await screenshot(admin.page, 'mfa-admin-users');
    await admin.page.getByRole('button', { name: `Reset two-factor of ${rita.email}` }).click();
    await admin.page.getByRole('button', { name: 'Reset two-factor', exact: true }).click();
    await admin.page.getByText(`The two-factor authentication of ${rita.email} was reset.`).waitFor();
    await row.getByText('Second factors: none').waitFor();
    expect(await admin.page.getByRole('button', { name: `Reset two-factor of ${rita.email}` }).count()).toBe(0);

    // Rita's password alone signs her in again.
    await signInViaUi(user.page, server, rita, { open: false });
    await user.page.getByRole('heading', { name: `Hello, ${rita.name}` }).waitFor();
    expect(await user.page.getByRole('heading', { name: 'Two-step verification' }).count()).toBe(0);
    expect([...user.problems, ...admin.problems]).toEqual([]);
    await user.context.close();
    await admin.context.close();
  });

  it.skipIf(!mfaApi)(`a pending sign-in that the server no longer knows goes back to the password step${SKIP}`, { timeout: 120_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    const noor = account('noor');
    await registerViaUi(page, server, noor);
    await enrollTotpViaUi(page, noor.password);
    await signOutViaUi(page);
    await signInViaUi(page, server, noor, { open: false });
    await waitForSecondStep(page);
    // As if the 5 minutes had passed: the pending-login cookie is gone.
    await context.clearCookies();
    await page.getByLabel('Authentication code').fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Your sign-in was not finished in time', { exact: false }).waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(noor.email);
    expect(problems).toEqual([]);
    await context.close();
  });
});
