import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium, HAS_CHROMIUM, openTab, PASSWORD, screenshot, startE2e, type E2e } from './helpers/browser.js';
import { addressOf, registerViaUi, signOutViaUi } from './helpers/flows.js';
import { AuthenticatorApp } from './helpers/mfa.js';
import { freePort } from '../helpers/services.js';
import { startExternalIdp, type ExternalIdp } from '../identities/idp.js';

let idp: ExternalIdp | null = null;
let e2e: E2e | null = null;

describeWithChromium('web UI: sign in with another provider (real server, real oidc-provider, Chromium)', () => {
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    const port = await freePort();
    // The same IdP under a second name: a provider-only account can then link "another" provider.
    idp = await startExternalIdp([`http://localhost:${String(port)}/api/auth/oauth/acme/callback`, `http://localhost:${String(port)}/api/auth/oauth/beta/callback`]);
    e2e = await startE2e({
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${String(port)}`,
      OIDC_PROVIDERS: 'acme,beta',
      OIDC_ACME_ISSUER: idp.issuer,
      OIDC_ACME_CLIENT_ID: idp.clientId,
      OIDC_ACME_CLIENT_SECRET: idp.clientSecret,
      OIDC_ACME_LABEL: 'Acme SSO',
      OIDC_BETA_ISSUER: idp.issuer,
      OIDC_BETA_CLIENT_ID: idp.clientId,
      OIDC_BETA_CLIENT_SECRET: idp.clientSecret,
      OIDC_BETA_LABEL: 'Beta ID',
    });
  });
  afterAll(async () => {
    await e2e?.close();
    await idp?.close();
  });

  it('the provider button signs a new user in; the profile lists the identity, and the last way to sign in cannot be unlinked', { timeout: 90_000 }, async () => {
    const { server, browser } = e2e!;
    const email = `social-${String(Date.now())}@example.test`;
    idp!.account = { sub: `e2e-${String(Date.now())}`, email, email_verified: true, name: 'Sol Social' };
    const { page, context } = await openTab(browser);
    await page.goto(`${server.url}/register`);
    await page.getByRole('link', { name: 'Sign up with Acme SSO' }).waitFor();
    await page.goto(`${server.url}/sign-in`);
    await screenshot(page, 'sign-in-providers');
    await page.getByRole('link', { name: 'Continue with Acme SSO' }).click();
    await page.getByRole('heading', { name: 'Hello, Sol Social' }).waitFor();
    expect(addressOf(page)).toBe('/');
    await page.getByText('Verified', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Sign-in providers' }).waitFor();
    await page.getByText(email, { exact: false }).first().waitFor();
    await screenshot(page, 'profile-identities');
    await page.getByRole('button', { name: 'Unlink Acme SSO' }).click();
    await page.getByText('This is your only way to sign in').waitFor();
    expect((await context.cookies()).find((c) => c.name === 'gh_session')?.httpOnly).toBe(true);
    // No password and no passkey: no password field; a fresh sign-in is the proof (the server checks it).
    await page.getByRole('button', { name: 'Link Beta ID' }).click();
    await page.getByText('Your account has no password or passkey').waitFor();
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(0);
    await screenshot(page, 'profile-link-recent-sign-in');
    await page.getByRole('button', { name: 'Continue to Beta ID' }).click();
    await page.getByText('Beta ID is now linked to your account.').waitFor();
    await page.getByRole('button', { name: 'Unlink Beta ID' }).waitFor();
    await context.close();
  });

  it('an existing account’s email is refused with a clear message on the sign-in page (no stack, no linking)', { timeout: 90_000 }, async () => {
    const { server, browser } = e2e!;
    const email = `taken-${String(Date.now())}@example.test`;
    const res = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ email, password: 'correct horse battery staple 42', name: 'Existing' }),
    });
    expect(res.status).toBe(201);
    idp!.account = { sub: `e2e-x-${String(Date.now())}`, email, email_verified: true };
    const { page, context } = await openTab(browser);
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Continue with Acme SSO' }).click();
    await page.getByText('An account with this email already exists').waitFor();
    expect(addressOf(page)).toBe('/sign-in?error=oauth_account_exists');
    await screenshot(page, 'sign-in-account-exists');
    await context.close();
  });
  it('links a provider from the profile; a user with a second factor still presents it after the provider', { timeout: 120_000 }, async () => {
    const { server, browser } = e2e!;
    const stamp = String(Date.now());
    const account = { name: 'Tess Twofactor', email: `tess-${stamp}@example.test`, password: PASSWORD };
    const { page, context } = await openTab(browser);
    await registerViaUi(page, server, account);
    // The authenticator app, set up through the API from the page (the CSRF header from the JS-readable cookie).
    const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const csrf = (await context.cookies()).find((c) => c.name === 'gh_csrf')?.value ?? '';
      return page.evaluate(
        async ([p, b, token]) => {
          const r = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(b) });
          return { status: r.status, json: (await r.json()) as Record<string, unknown> };
        },
        [path, body, csrf] as const,
      );
    };
    const setup = await post('/api/mfa/totp/setup', { password: PASSWORD });
    expect(setup.status).toBe(200);
    const app = new AuthenticatorApp(String(setup.json.secret));
    expect((await post('/api/mfa/totp/confirm', { code: await app.code() })).status).toBe(200);

    idp!.account = { sub: `tess-${stamp}`, email: account.email, email_verified: true };
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Link Acme SSO' }).click();
    // Linking re-authenticates: a wrong password stays on the page, the right one goes to the provider.
    const confirm = page.locator('form').filter({ has: page.getByRole('heading', { name: 'Link Acme SSO' }) });
    await confirm.getByLabel('Password', { exact: true }).fill('not my password at all');
    await confirm.getByRole('button', { name: 'Continue to Acme SSO' }).click();
    // The wrong password is said once, at the password field.
    await confirm.getByText('That password is incorrect.').waitFor();
    expect(await confirm.getByText('That password is incorrect.').count()).toBe(1);
    expect(await confirm.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'profile-link-confirm');
    expect(addressOf(page)).toBe('/');
    await confirm.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await confirm.getByRole('button', { name: 'Continue to Acme SSO' }).click();
    await page.getByText('Acme SSO is now linked to your account.').waitFor();
    await page.getByRole('button', { name: 'Unlink Acme SSO' }).waitFor();
    await screenshot(page, 'profile-linked');
    await signOutViaUi(page);

    await page.getByRole('link', { name: 'Continue with Acme SSO' }).click();
    const codeField = page.getByLabel('Authentication code');
    await codeField.waitFor();
    expect(addressOf(page).startsWith('/sign-in?mfa=')).toBe(true);
    expect((await context.cookies()).filter((c) => c.name === 'gh_session' && c.value !== '')).toHaveLength(0);
    await codeField.fill(await app.code());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Hello, Tess Twofactor' }).waitFor();
    await context.close();
  });
});
