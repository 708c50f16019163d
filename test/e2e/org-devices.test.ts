import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, NEW_PASSWORD, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaApi, registerViaUi, signInViaUi, type Account } from './helpers/flows.js';

const e2e = await startE2e();
// The organization API is built in parallel with the UI: probe the running server, not a flag.
const orgApi = e2e !== null && (await e2e.server.routeExists('GET', '/api/org'));
const ORG_SKIP = orgApi ? '' : ' (skipped: GET /api/org is not served yet)';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

describeWithChromium('web UI: organization and devices (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it.skipIf(!orgApi)(`owner invites by email; a second browser joins from the forwarded link after registering${ORG_SKIP}`, { timeout: 90_000 }, async () => {
    const owner = await openTab(browser);
    const olga = account('olga');
    await registerViaUi(owner.page, server, olga, 'Northwind Test Org');
    await owner.page.getByRole('link', { name: 'Organization', exact: true }).click();
    await owner.page.getByRole('heading', { name: 'Northwind Test Org' }).waitFor();
    await owner.page.getByRole('list', { name: 'Members' }).getByText(olga.email).waitFor();
    await owner.page.getByText('No pending invitations.').waitFor();

    const invitee = account('ivan');
    await owner.page.getByLabel('Email address').fill(invitee.email);
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page.getByText(`Invitation sent to ${invitee.email}.`).waitFor();
    await owner.page.getByRole('list', { name: 'Pending invitations' }).getByText(invitee.email).waitFor();
    expect(await inlineStyleCount(owner.page)).toBe(0);
    await screenshot(owner.page, 'organization');

    // The link is forwarded: another browser (signed out, no account yet) opens it.
    const link = await server.linkFromEmail(invitee.email, '/join');
    const guest = await openTab(browser);
    const response = await guest.page.goto(link);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    await guest.page.getByText('invited you to join Northwind Test Org').waitFor();
    expect(addressOf(guest.page)).toBe('/join');
    await screenshot(guest.page, 'join-signed-out');
    await guest.page.getByRole('link', { name: 'Create an account' }).click();
    expect(addressOf(guest.page)).toBe('/register?next=%2Fjoin');
    await guest.page.getByLabel('Your name').fill(invitee.name);
    await guest.page.getByLabel('Email', { exact: true }).fill(invitee.email);
    await guest.page.getByLabel('Password', { exact: true }).fill(invitee.password);
    // Registering from the join link joins at once (test/e2e/links.test.ts covers it in detail).
    await guest.page.getByRole('button', { name: 'Create account and join' }).click();
    await guest.page.getByText('Welcome to Northwind Test Org!').waitFor();
    await screenshot(guest.page, 'join-done');
    await guest.page.getByRole('link', { name: 'Organization', exact: true }).click();
    await guest.page.getByRole('list', { name: 'Members' }).getByText(olga.email).waitFor();

    // The owner sees the new member and no pending invitation; promotes them, then removes them.
    await owner.page.reload();
    const members = owner.page.getByRole('list', { name: 'Members' });
    await members.getByRole('listitem').filter({ hasText: invitee.email }).waitFor();
    await owner.page.getByText('No pending invitations.').waitFor();
    await owner.page.getByLabel(`Role of ${invitee.email}`, { exact: true }).selectOption('admin');
    await owner.page.getByRole('button', { name: `Save role of ${invitee.email}` }).click();
    await owner.page.getByText(`${invitee.email} is now admin.`).waitFor();
    await owner.page.getByRole('button', { name: `Remove ${invitee.email}` }).click();
    await owner.page.getByRole('button', { name: 'Remove member' }).click();
    await owner.page.getByText(`${invitee.email} was removed from the organization.`).waitFor();
    await expect.poll(() => members.getByRole('listitem').filter({ hasText: invitee.email }).count()).toBe(0);

    // A pending invitation can be revoked; its link then stops working.
    const other = uniqueEmail('revoked');
    await owner.page.getByLabel('Email address').fill(other);
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page.getByRole('button', { name: `Revoke invitation for ${other}` }).click();
    await owner.page.getByRole('button', { name: 'Revoke invitation', exact: true }).click();
    await owner.page.getByText(`The invitation for ${other} was revoked.`).waitFor();
    await owner.page.getByText('No pending invitations.').waitFor();
    const dead = await server.linkFromEmail(other, '/join');
    await guest.page.goto(dead);
    await guest.page.getByText('This link has expired or was already used.').waitFor();
    expect(await guest.page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);

    expect([...owner.problems, ...guest.problems]).toEqual([]);
    await owner.context.close();
    await guest.context.close();
  });

  it('devices page revokes the other browser; that browser lands on sign-in at its next action', { timeout: 90_000 }, async () => {
    const paul = account('paul');
    await registerViaApi(server, paul);
    const laptop = await openTab(browser);
    const phone = await openTab(browser);
    await signInViaUi(phone.page, server, paul);
    await phone.page.getByRole('heading', { name: `Hello, ${paul.name}` }).waitFor();
    await signInViaUi(laptop.page, server, paul);
    await laptop.page.getByRole('link', { name: 'Security', exact: true }).click();

    const devices = laptop.page.getByRole('list', { name: 'Signed-in devices' });
    await expect.poll(() => devices.getByRole('listitem').count()).toBe(2);
    const current = devices.getByRole('listitem').filter({ hasText: 'This device' });
    await current.waitFor();
    await current.getByText('Chrome on Linux').waitFor();
    await current.getByText('127.0.0.1').waitFor();
    await laptop.page.getByRole('list', { name: 'Security events' }).getByText('Signed in').first().waitFor();
    await screenshot(laptop.page, 'security');

    const other = devices.getByRole('listitem').filter({ hasNotText: 'This device' });
    await other.getByRole('button', { name: /^Sign out Chrome on Linux/ }).click();
    await other.getByRole('button', { name: 'Sign out device' }).click();
    await laptop.page.getByText('The device was signed out.').waitFor();
    await expect.poll(() => devices.getByRole('listitem').count()).toBe(1);

    // The phone still shows its page; its next action finds the session gone.
    await phone.page.getByRole('link', { name: 'Security', exact: true }).click();
    await phone.page.waitForURL(/\/sign-in\?next=%2Fsecurity$/);
    await phone.page.getByText('This session was signed out from another device.').waitFor();
    await screenshot(phone.page, 'session-ended');

    // Sign the phone back in, then "sign out all other devices" from the laptop.
    await signInViaUi(phone.page, server, paul, { open: false });
    await phone.page.getByRole('heading', { name: 'Security', exact: true }).waitFor();
    await laptop.page.reload();
    await expect.poll(() => devices.getByRole('listitem').count()).toBe(2);
    await laptop.page.getByRole('button', { name: 'Sign out all other devices' }).click();
    await laptop.page.getByRole('button', { name: 'Sign out others' }).click();
    await laptop.page.getByText('Every other device was signed out.').waitFor();
    await laptop.page.getByText('This is the only device signed in to your account.').waitFor();
    await phone.page.getByRole('link', { name: 'Profile', exact: true }).click();
    await phone.page.waitForURL(/\/sign-in/);

    // Changing the password keeps this browser signed in with its new cookie pair.
    await laptop.page.getByLabel('Current password').fill(PASSWORD);
    await laptop.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await laptop.page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await laptop.page.getByRole('button', { name: 'Change password' }).click();
    await laptop.page.getByText('Your password was changed.').waitFor();
    await laptop.page.getByRole('link', { name: 'Profile', exact: true }).click();
    await laptop.page.getByRole('heading', { name: `Hello, ${paul.name}` }).waitFor();

    expect([...laptop.problems, ...phone.problems]).toEqual([]);
    await laptop.context.close();
    await phone.context.close();
  });
});
