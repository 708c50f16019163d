import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaApi, signInViaUi, type Account } from './helpers/flows.js';
import { REPO } from './helpers/server.js';

// Many accounts for the pagination check come from this one test client.
const e2e = await startE2e({ REGISTER_MAX_PER_IP: '1000' });
// The admin API and the CLI are built in parallel with the UI: probe what the running tree has.
const cli = existsSync(join(REPO, 'src/cli.ts'));
const adminApi = e2e !== null && (await e2e.server.routeExists('GET', '/api/admin/users'));
const SKIP = !cli ? ' (skipped: src/cli.ts is missing, so no admin can be created)' : !adminApi ? ' (skipped: /api/admin is not served yet)' : '';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

async function findUser(page: Page, email: string): Promise<void> {
  await page.getByLabel('Search').fill(email);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('list', { name: 'Users' }).getByText(email).waitFor();
}

describeWithChromium('web UI: site administration (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;
  const admin = account('root');
  let adminCreated = false;

  async function adminTab(): Promise<Awaited<ReturnType<typeof openTab>>> {
    if (!adminCreated) {
      server.createAdmin(admin.email, admin.password);
      adminCreated = true;
    }
    const tab = await openTab(browser);
    await signInViaUi(tab.page, server, admin);
    await tab.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await tab.page.getByRole('heading', { name: 'Administration' }).waitFor();
    return tab;
  }

  it.skipIf(SKIP !== '')(`admin disables a user whose open page then shows the disabled message, then enables them${SKIP}`, { timeout: 90_000 }, async () => {
    const uma = account('uma');
    await registerViaApi(server, uma);
    const user = await openTab(browser);
    await signInViaUi(user.page, server, uma);
    await user.page.getByRole('heading', { name: `Hello, ${uma.name}` }).waitFor();

    const root = await adminTab();
    await findUser(root.page, uma.email);
    expect(await inlineStyleCount(root.page)).toBe(0);
    await screenshot(root.page, 'admin');
    await root.page.getByRole('button', { name: `Disable ${uma.email}` }).click();
    await root.page.getByRole('button', { name: 'Disable user' }).click();
    await root.page.getByText(`${uma.email} was disabled.`).waitFor();
    await root.page.getByRole('list', { name: 'Users' }).getByText('Disabled', { exact: true }).waitFor();
    // One click on "Disable user" is one request: exactly one user_disabled event.
    const disabledEvents = await root.page.evaluate(async (email) => {
      const found = (await (await fetch(`/api/admin/users?q=${encodeURIComponent(email)}`)).json()) as { users: { id: string }[] };
      const id = found.users[0]!.id;
      const events = (await (await fetch(`/api/admin/security-events?userId=${id}&type=user_disabled`)).json()) as { events: { type: string }[] };
      return events.events.map((e) => e.type);
    }, uma.email);
    expect(disabledEvents).toEqual(['user_disabled']);

    // The user's page is still open; their next action shows the account is disabled.
    await user.page.getByRole('link', { name: 'Security', exact: true }).click();
    await user.page.getByText('Your account has been disabled').waitFor();
    await screenshot(user.page, 'account-disabled');
    await user.page.getByRole('button', { name: 'Sign in with another account' }).click();
    await signInViaUi(user.page, server, uma, { open: false });
    await user.page.getByRole('alert').getByText('This account has been disabled.').waitFor();

    await root.page.getByRole('button', { name: `Enable ${uma.email}` }).click();
    await root.page.getByRole('button', { name: 'Enable user' }).click();
    await root.page.getByText(`${uma.email} was enabled.`).waitFor();
    await signInViaUi(user.page, server, uma, { open: false });
    await user.page.getByRole('heading', { name: `Hello, ${uma.name}` }).waitFor();

    // The admin's event view lists what happened to this account.
    await root.page.getByRole('button', { name: `Events of ${uma.email}` }).click();
    await root.page.getByText(`Events of ${uma.email}.`).waitFor();
    await root.page.getByRole('list', { name: 'Security events' }).getByText('Account disabled').first().waitFor();
    expect([...user.problems, ...root.problems]).toEqual([]);
    await user.context.close();
    await root.context.close();
  });

  it.skipIf(SKIP !== '')(`admin impersonates a user, sees the banner on every page, and stops${SKIP}`, { timeout: 90_000 }, async () => {
    const vera = account('vera');
    await registerViaApi(server, vera);
    const root = await adminTab();
    await findUser(root.page, vera.email);
    await root.page.getByRole('button', { name: `Impersonate ${vera.email}` }).click();
    await root.page.getByRole('button', { name: 'Start impersonating' }).click();

    const banner = root.page.getByRole('region', { name: 'Impersonation' });
    await banner.getByText(`You are acting as ${vera.email}.`).waitFor();
    await root.page.getByRole('heading', { name: `Hello, ${vera.name}` }).waitFor();
    await screenshot(root.page, 'impersonating');
    await root.page.getByRole('link', { name: 'Security', exact: true }).click();
    await banner.waitFor();
    await root.page.getByText('The password cannot be changed while impersonating.').waitFor();
    expect(await root.page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);

    await banner.getByRole('button', { name: 'Stop impersonating' }).click();
    await root.page.getByRole('heading', { name: 'Administration' }).waitFor();
    expect(addressOf(root.page)).toBe('/admin');
    expect(await banner.count()).toBe(0);
    expect(root.problems).toEqual([]);
    await root.context.close();
  });

  it.skipIf(SKIP !== '')(`admin pages through search results and deletes a user after confirming${SKIP}`, { timeout: 90_000 }, async () => {
    const root = await adminTab();
    const pageSize = await root.page.evaluate(async () => ((await (await fetch('/api/admin/users')).json()) as { pageSize: number }).pageSize);
    const tag = `pager${Date.now().toString(36)}`;
    for (let i = 0; i <= pageSize; i += 1) await registerViaApi(server, { name: `Pager ${i}`, email: `${tag}-${i}@example.com`, password: PASSWORD });

    await root.page.getByLabel('Search').fill(tag);
    await root.page.getByRole('button', { name: 'Search', exact: true }).click();
    await root.page.getByText(`Page 1 of 2 · ${pageSize + 1} users`).waitFor();
    await root.page.getByRole('navigation', { name: 'Users pages' }).getByRole('button', { name: 'Next page' }).click();
    await root.page.getByText(`Page 2 of 2 · ${pageSize + 1} users`).waitFor();
    await expect.poll(() => root.page.getByRole('list', { name: 'Users' }).getByRole('listitem').count()).toBe(1);
    await root.page.getByRole('navigation', { name: 'Users pages' }).getByRole('button', { name: 'Previous page' }).click();
    await root.page.getByText(`Page 1 of 2 · ${pageSize + 1} users`).waitFor();

    const doomed = `${tag}-0@example.com`;
    await findUser(root.page, doomed);
    await root.page.getByRole('button', { name: `Delete ${doomed}` }).click();
    await root.page.getByRole('button', { name: 'Cancel' }).click();
    await root.page.getByRole('list', { name: 'Users' }).getByText(doomed).waitFor();
    await root.page.getByRole('button', { name: `Delete ${doomed}` }).click();
    await root.page.getByRole('button', { name: 'Delete user' }).click();
    await root.page.getByText(`${doomed} was deleted.`).waitFor();
    await root.page.getByText(`No user matches “${doomed}”.`).waitFor();
    expect(root.problems).toEqual([]);
    await root.context.close();
  });
});
