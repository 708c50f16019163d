import { mkdirSync } from 'node:fs';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, PASSWORD, startE2e, uniqueEmail, type Tab } from './helpers/browser.js';
import { registerViaApi, signInViaUi, type Account } from './helpers/flows.js';

// A cap of 2 makes an eviction two logins away; many accounts and events come from this one client.
const MAX_SESSIONS = 2;
const e2e = await startE2e({ MAX_SESSIONS: String(MAX_SESSIONS), REGISTER_MAX_PER_IP: '1000', LOGIN_MAX_FAILURES: '1000' });
const SHOTS = '/tmp/shots-events';
/** web/src/lib/session-poll.ts */
const POLL_MS = 60_000;
const DESKTOP: BrowserContextOptions = { viewport: { width: 1200, height: 860 } };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
};

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

interface Watched extends Tab {
  /** Every request this page made to /api/auth/me, in order. */
  readonly meRequests: string[];
  /** Console errors about 401 responses ("Failed to load resource: … 401"). */
  readonly unauthorizedLogs: string[];
}

interface ApiSession {
  readonly cookie: string;
  readonly csrf: string;
}

describeWithChromium('web UI: forced sign-outs, polling, event lists (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;
  const admin = account('root');

  beforeAll(() => {
    mkdirSync(SHOTS, { recursive: true });
    server.createAdmin(admin.email, admin.password);
  });

  /** A fresh profile whose page runs on Playwright's clock (so a poll interval passes without waiting). */
  async function openWatched(options: BrowserContextOptions = DESKTOP): Promise<Watched> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.clock.install();
    const problems: string[] = [];
    const meRequests: string[] = [];
    const unauthorizedLogs: string[] = [];
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (/\b401\b/.test(text)) unauthorizedLogs.push(text);
      else if (!/Failed to load resource/.test(text)) problems.push(text);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/auth/me') meRequests.push(request.url());
    });
    return { context, page, problems, meRequests, unauthorizedLogs };
  }

  /** The whole page, and what the first screen shows. */
  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    await page.screenshot({ path: `${SHOTS}/${name}-screen.png` });
  }

  async function apiLogin(who: Account, userAgent = 'e2e-script'): Promise<ApiSession> {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': userAgent },
      body: JSON.stringify({ email: who.email, password: who.password }),
    });
    expect(response.status).toBe(200);
    const cookies = new Map(response.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
    return { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), csrf: cookies.get('gh_csrf') ?? '' };
  }

  async function apiCall(session: ApiSession, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** Signs in through the page and waits for the profile. */
  async function signedIn(tab: Watched, who: Account): Promise<void> {
    await signInViaUi(tab.page, server, who);
    await tab.page.getByRole('heading', { name: `Hello, ${who.name}` }).waitFor();
  }

  /** Lets more than one poll interval pass on the page's clock. */
  async function pollOnce(page: Page): Promise<void> {
    await page.clock.fastForward(POLL_MS + 1_000);
  }

  it('a session revoked from another device: the open page lands on sign-in saying so at the next poll, then stops polling', { timeout: 90_000 }, async () => {
    const ann = account('ann');
    await registerViaApi(server, ann);
    const phone = await openWatched(PHONE);
    await signedIn(phone, ann);
    const laptop = await openWatched();
    await signedIn(laptop, ann);
    await laptop.page.getByRole('link', { name: 'Security', exact: true }).click();
    const devices = laptop.page.getByRole('list', { name: 'Signed-in devices' });
    await expect.poll(() => devices.getByRole('listitem').count()).toBe(2);
    // Device icons from the user agent: this laptop is a computer, the other session an iPhone.
    await devices.getByRole('listitem').filter({ hasText: 'This device' }).locator('svg.device-icon[data-device="desktop"]').waitFor();
    const other = devices.getByRole('listitem').filter({ hasNotText: 'This device' });
    await other.locator('svg.device-icon[data-device="phone"]').waitFor();
    await other.getByText('Safari on iPhone').waitFor();
    await shot(laptop.page, 'security-desktop');
    await other.getByRole('button', { name: /^Sign out Safari on iPhone/ }).click();
    await other.getByRole('button', { name: 'Sign out device' }).click();
    await laptop.page.getByText('The device was signed out.').waitFor();

    // The phone is left alone on its profile page: no click, only the poll finds out.
    const before = phone.meRequests.length;
    await pollOnce(phone.page);
    await phone.page.waitForURL(/\/sign-in/);
    await phone.page.getByText('This session was signed out from another device.').waitFor();
    expect(phone.meRequests.length).toBe(before + 1);
    await shot(phone.page, 'revoked-phone');
    // Signed out now: more intervals pass without a single /me request.
    await pollOnce(phone.page);
    await pollOnce(phone.page);
    expect(phone.meRequests.length).toBe(before + 1);
    expect([...phone.problems, ...laptop.problems]).toEqual([]);
    await phone.context.close();
    await laptop.context.close();
  });

  it(`evicted by the session cap (MAX_SESSIONS=${MAX_SESSIONS}): the evicted browser says why, naming the limit`, { timeout: 90_000 }, async () => {
    const ben = account('ben');
    await registerViaApi(server, ben);
    const tab = await openWatched();
    await signedIn(tab, ben);
    // Two more logins elsewhere: this browser's session is the least recently active one.
    await apiLogin(ben);
    await apiLogin(ben);
    await pollOnce(tab.page);
    await tab.page.waitForURL(/\/sign-in/);
    await tab.page.getByText(`You were signed out because you signed in on another device (limit of ${MAX_SESSIONS} sessions).`).waitFor();
    await shot(tab.page, 'evicted-desktop');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('a disabled account: the open page shows the disabled notice at the next poll', { timeout: 90_000 }, async () => {
    const cam = account('cam');
    await registerViaApi(server, cam);
    const tab = await openWatched(PHONE);
    await signedIn(tab, cam);
    const userId = await tab.page.evaluate(async () => ((await (await fetch('/api/auth/me')).json()) as { user: { id: string } }).user.id);
    const root = await apiLogin(admin);
    expect((await apiCall(root, 'PATCH', `/api/admin/users/${userId}`, { disabled: true })).status).toBe(200);
    await pollOnce(tab.page);
    await tab.page.getByRole('heading', { name: 'Account disabled' }).waitFor();
    await tab.page.getByText('Your account has been disabled').waitFor();
    await shot(tab.page, 'disabled-phone');
    // No more polling once the account is known to be disabled.
    const asked = tab.meRequests.length;
    await pollOnce(tab.page);
    await pollOnce(tab.page);
    expect(tab.meRequests.length).toBe(asked);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('a signed-out page left open for many poll intervals asks /me nothing and logs no 401', { timeout: 60_000 }, async () => {
    const tab = await openWatched();
    await tab.page.goto(`${server.url}/sign-in`);
    await tab.page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    for (let i = 0; i < 5; i += 1) await pollOnce(tab.page);
    await tab.page.goto(`${server.url}/security`);
    await tab.page.waitForURL(/\/sign-in\?next=%2Fsecurity$/);
    await pollOnce(tab.page);
    expect(tab.meRequests).toEqual([]);
    expect(tab.unauthorizedLogs).toEqual([]);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });

  it('admin events at 390×844: one page at a time with a working pager, a type select with the right empty state, relative times, device icons', { timeout: 120_000 }, async () => {
    const dee = account('dee');
    await registerViaApi(server, dee);
    // Enough events for several pages: failed sign-ins and sign-ins of one account.
    for (let i = 0; i < 12; i += 1) {
      await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: dee.email, password: 'not the password at all' }) });
      await apiLogin(dee, 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36');
    }
    const tab = await openWatched(PHONE);
    await signInViaUi(tab.page, server, admin);
    await tab.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await tab.page.getByRole('heading', { name: 'Administration' }).waitFor();
    const events = tab.page.getByRole('list', { name: 'Security events' });
    const pager = tab.page.getByRole('navigation', { name: 'Events pages' });
    await pager.getByText(/^Page 1 of \d+ · \d+ events$/).waitFor();
    const status = await pager.locator('.pager-status').innerText();
    const [, pages, total] = /Page 1 of (\d+) · (\d+) events/.exec(status) ?? [];
    expect(Number(pages)).toBeGreaterThan(1);
    expect(Number(total)).toBeGreaterThan(20);
    // One page only: 20 rows, and the list stays within a few screens on a phone.
    expect(await events.getByRole('listitem').count()).toBe(20);
    await shot(tab.page, 'admin-events-phone');
    await events.getByRole('listitem').nth(1).screenshot({ path: `${SHOTS}/admin-event-row-phone.png` });
    await pager.scrollIntoViewIfNeeded();
    await tab.page.screenshot({ path: `${SHOTS}/admin-events-pager-phone.png` });
    const listBox = await events.boundingBox();
    expect(listBox?.height ?? Infinity).toBeLessThan(20 * 125);
    await pager.getByRole('button', { name: 'Next page' }).click();
    await pager.getByText(`Page 2 of ${pages} · ${total} events`, { exact: true }).waitFor();

    // Relative time with the exact UTC time as the tooltip.
    const time = events.getByRole('listitem').first().locator('time');
    expect(await time.innerText()).toMatch(/^(just now|\d+ minutes? ago|\d+ hours? ago)$/);
    expect(await time.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    // Device icons: the Android phone's sign-ins show as a phone.
    const select = tab.page.getByLabel('Event type');
    await select.selectOption('login_succeeded');
    await pager.getByText(/^Page 1 of /).waitFor();
    await events.getByRole('listitem').filter({ hasText: 'Chrome on Android' }).first().locator('svg.device-icon[data-device="phone"]').waitFor();
    const titles = await events.locator('.row-title').allInnerTexts();
    expect(new Set(titles)).toEqual(new Set(['Signed in']));
    // The select lists the server's catalog: a type with no events says so, not "No events yet".
    await select.selectOption('oidc_token_reuse');
    await tab.page.getByText('No “App refresh token reused” events.').waitFor();
    expect(await pager.count()).toBe(0);
    await shot(tab.page, 'admin-events-empty-type-phone');
    await select.selectOption('');
    await pager.getByText(/^Page 1 of \d+ · \d+ events$/).waitFor();
    expect(await inlineStyleCount(tab.page)).toBe(0);
    expect(tab.problems).toEqual([]);
    await tab.context.close();

    // The same account's own activity on its Security page pages too (desktop).
    const own = await openWatched();
    await signedIn(own, dee);
    await own.page.getByRole('link', { name: 'Security', exact: true }).click();
    const activity = own.page.getByRole('navigation', { name: 'Activity pages' });
    await activity.getByText(/^Page 1 of \d+ · \d+ recent events$/).waitFor();
    expect(await own.page.getByRole('list', { name: 'Security events' }).getByRole('listitem').count()).toBe(10);
    await activity.getByRole('button', { name: 'Next page' }).click();
    await activity.getByText(/^Page 2 of /).waitFor();
    await shot(own.page, 'security-activity-desktop');
    expect(own.problems).toEqual([]);
    await own.context.close();

    // Screenshots of the same lists on the other form factor: the admin page on a desktop, Security on a phone.
    const wide = await openWatched();
    await signInViaUi(wide.page, server, admin);
    await wide.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await wide.page.getByRole('navigation', { name: 'Events pages' }).getByText(/^Page 1 of /).waitFor();
    await shot(wide.page, 'admin-events-desktop');
    expect(wide.problems).toEqual([]);
    await wide.context.close();
    const narrow = await openWatched(PHONE);
    await signedIn(narrow, dee);
    await narrow.page.getByRole('link', { name: 'Security', exact: true }).click();
    await narrow.page.getByRole('navigation', { name: 'Activity pages' }).getByText(/^Page 1 of /).waitFor();
    await shot(narrow.page, 'security-phone');
    expect(narrow.problems).toEqual([]);
    await narrow.context.close();
  });
});
