import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, NEW_PASSWORD, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaApi, registerViaUi, signInViaUi, signOutViaUi, type Account } from './helpers/flows.js';

const e2e = await startE2e();

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

describeWithChromium('web UI: register, verify, sign in, reset (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it('registers, confirms the address from the emailed link, signs out and signs in again', { timeout: 60_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    const alice = account('alice');
    await page.goto(`${server.url}/register`);
    await screenshot(page, 'register');
    await registerViaUi(page, server, alice, 'Alice Test Org');
    await page.getByText(`We sent a link to ${alice.email}`).waitFor();
    await page.getByText('Not verified').waitFor();
    expect(await inlineStyleCount(page)).toBe(0);
    await screenshot(page, 'profile-unverified');

    const link = await server.linkFromEmail(alice.email, '/verify-email');
    expect(link.startsWith(`${server.url}/verify-email?token=`)).toBe(true);
    const response = await page.goto(link);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    await page.getByText('Your email address is confirmed').waitFor();
    // The token was read, sent in a POST body and dropped from the address bar.
    expect(addressOf(page)).toBe('/verify-email');
    await screenshot(page, 'verify-email');

    await page.getByRole('link', { name: 'Go to your profile' }).click();
    await page.getByText('Verified', { exact: true }).waitFor();
    expect(await page.getByText('Not verified').count()).toBe(0);
    await screenshot(page, 'profile');

    await signOutViaUi(page);
    await page.getByText('You are signed out.').waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'gh_session' && c.value !== '')).toHaveLength(0);
    await screenshot(page, 'sign-in');

    await signInViaUi(page, server, alice, { open: false });
    await page.getByRole('heading', { name: `Hello, ${alice.name}` }).waitFor();
    expect(addressOf(page)).toBe('/');
    // Nothing about the session is kept in web storage; the session cookie is HttpOnly.
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    expect((await context.cookies()).find((c) => c.name === 'gh_session')?.httpOnly).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a write sent from the page without the wrapper (no X-CSRF-Token) is refused with 403 csrf_failed', { timeout: 60_000 }, async () => {
    const { page, context } = await openTab(browser);
    const bob = account('bob');
    await registerViaUi(page, server, bob);

    const bare = await page.evaluate(async () => {
      const r = await fetch('/api/auth/logout', { method: 'POST' });
      return { status: r.status, body: (await r.json()) as { error: { code: string } } };
    });
    expect(bare).toEqual({ status: 403, body: { error: { code: 'csrf_failed', message: expect.any(String) as string } } });
    const forged = await page.evaluate(async () => {
      const r = await fetch('/api/auth/logout', { method: 'POST', headers: { 'x-csrf-token': 'not-the-cookie-value' } });
      return r.status;
    });
    expect(forged).toBe(403);
    // Nothing changed: still signed in.
    await page.reload();
    await page.getByRole('heading', { name: `Hello, ${bob.name}` }).waitFor();

    // The same write through the UI (the wrapper adds the header from the cookie) works.
    await page.getByRole('button', { name: 'Resend confirmation email' }).click();
    await page.getByText('We sent a new confirmation link').waitFor();
    await signOutViaUi(page);
    await context.close();
  });

  it('forgot password → emailed link → new password; the old one stops working and the link is single-use', { timeout: 60_000 }, async () => {
    const carol = account('carol');
    await registerViaApi(server, carol);
    const { page, context, problems } = await openTab(browser);
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email', { exact: true }).fill(carol.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText(`If an account exists for ${carol.email}`).waitFor();
    await screenshot(page, 'forgot-password');

    const link = await server.linkFromEmail(carol.email, '/reset-password');
    const response = await page.goto(link);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(addressOf(page)).toBe('/reset-password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('The two passwords are different.').waitFor();
    await screenshot(page, 'reset-password');
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed').waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await signInViaUi(page, server, carol, { open: false });
    await page.getByRole('alert').getByText('The email or password is incorrect.').waitFor();
    await signInViaUi(page, server, { ...carol, password: NEW_PASSWORD }, { open: false });
    await page.getByRole('heading', { name: `Hello, ${carol.name}` }).waitFor();
    await signOutViaUi(page);

    // A used link says so on load, before any form (test/e2e/links.test.ts covers the rest).
    await page.goto(link);
    await page.getByText('This link has expired or was already used.').waitFor();
    expect(await page.getByLabel('New password', { exact: true }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signed-out visits go to sign-in and come back; only same-origin return paths are followed', { timeout: 60_000 }, async () => {
    const dave = account('dave');
    await registerViaApi(server, dave);
    const { page, context } = await openTab(browser);

    await page.goto(`${server.url}/security`);
    await page.waitForURL(/\/sign-in\?next=%2Fsecurity$/);
    await signInViaUi(page, server, dave, { open: false });
    await page.getByRole('heading', { name: 'Security', exact: true }).waitFor();
    expect(addressOf(page)).toBe('/security');
    await signOutViaUi(page);

    for (const next of ['https://evil.example/steal', '//evil.example/steal', '/\\evil.example', 'javascript:alert(1)', '/.//evil.example/steal']) {
      await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(next)}`);
      await signInViaUi(page, server, dave, { open: false });
      await page.getByRole('heading', { name: `Hello, ${dave.name}` }).waitFor();
      expect(new URL(page.url()).origin).toBe(server.url);
      expect(addressOf(page)).toBe('/');
      await signOutViaUi(page);
    }
    await context.close();
  });

  it('wrong passwords, then too many: the form says when to retry', { timeout: 60_000 }, async () => {
    const erin = account('erin');
    await registerViaApi(server, erin);
    // Failures from this same client address fill the per-account-and-IP window quickly.
    for (let i = 0; i < 10; i += 1) {
      await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: erin.email, password: 'wrong password here' }) });
    }
    const { page, context } = await openTab(browser);
    await signInViaUi(page, server, { ...erin, password: 'wrong password again' });
    await page.getByRole('alert').getByText(/Too many attempts\. Try again in \d+ minutes?\./).waitFor();
    await screenshot(page, 'sign-in-rate-limited');
    await context.close();
  });

  it('unknown pages show "page not found" (404) while /api stays JSON; index.html has no inline script or style', async () => {
    const { page, context } = await openTab(browser);
    const response = await page.goto(`${server.url}/no-such-page`);
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await screenshot(page, 'not-found');
    await context.close();

    const api = await fetch(`${server.url}/api/no-such-route`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });

    const home = await fetch(`${server.url}/sign-in`, { headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await home.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
  });

  it('reads well on a phone', { timeout: 60_000 }, async () => {
    const { page, context, problems } = await openTab(browser, { phone: true });
    await page.goto(`${server.url}/sign-in`);
    await screenshot(page, 'phone-sign-in');
    const frank = account('frank');
    await registerViaUi(page, server, frank, 'Frank Phone Org');
    await screenshot(page, 'phone-profile');
    // Nothing overflows sideways.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
