import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { addClient } from '../../src/oidc/clients.js';
import { freePort } from '../ops/processes.js';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { registerViaApi, type Account } from './helpers/flows.js';
import { startRelyingParty } from './helpers/rp-app.js';

const e2e = await startE2e();

describeWithChromium('Sign in with Gatehouse: a relying-party app, end to end (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it('sign in, consent, and back at the app with the claims; the app is then listed on the profile and devices pages', { timeout: 90_000 }, async () => {
    const account: Account = { name: 'Olive Idc', email: uniqueEmail('olive'), password: PASSWORD };
    await registerViaApi(server, account);
    const port = await freePort();
    const db = openDatabase(server.env.DATABASE_URL ?? '');
    const { client, secret } = await addClient(db, { name: 'Team Wiki', redirectUris: [`http://127.0.0.1:${String(port)}/callback`] }, Date.now());
    await db.close();
    const rp = await startRelyingParty(server.url, client.clientId, secret ?? '', port);
    try {
      const { page, problems } = await openTab(browser);
      await page.goto(`${rp.url}/login`);
      // Not signed in to Gatehouse: the sign-in page, which comes back to the request afterwards
      // (exact: the interaction page's own "Sign in with Gatehouse" heading shows first).
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      expect(new URL(page.url()).searchParams.get('next')).toMatch(/^\/oidc\/interaction\//);
      await page.getByLabel('Email', { exact: true }).fill(account.email);
      await page.getByLabel('Password', { exact: true }).fill(account.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      // A third-party app: the consent page names it and what it asks for.
      await page.getByText('Team Wiki wants to use your Gatehouse account').waitFor();
      await page.getByText('See your email address').waitFor();
      expect(await inlineStyleCount(page)).toBe(0);
      await screenshot(page, 'oidc-consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: `Signed in as ${account.email}` }).waitFor();
      expect(await page.locator('#name').textContent()).toBe(account.name);
      expect(problems).toEqual([]);

      // Signing in again: remembered, no consent page.
      await page.goto(`${rp.url}/login`);
      await page.getByRole('heading', { name: `Signed in as ${account.email}` }).waitFor();

      await page.goto(`${server.url}/`);
      await page.getByText('Team Wiki').first().waitFor();
      await screenshot(page, 'oidc-profile-apps');
      await page.goto(`${server.url}/security`);
      await page.getByText('Apps signed in: Team Wiki').waitFor();
    } finally {
      await rp.close();
    }
  });
});
