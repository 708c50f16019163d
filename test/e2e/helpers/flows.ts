import type { Page } from 'playwright-core';
import type { RunningServer } from './server.js';

export interface Account {
  readonly name: string;
  readonly email: string;
  readonly password: string;
}

/** Registers through the register page and waits for the profile page. */
export async function registerViaUi(page: Page, server: RunningServer, account: Account, organizationName?: string): Promise<void> {
  await page.goto(`${server.url}/register`);
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  if (organizationName !== undefined) await page.getByLabel('Organization name').fill(organizationName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: `Hello, ${account.name}` }).waitFor();
}

/** Signs in on the current sign-in page (or opens it). */
export async function signInViaUi(page: Page, server: RunningServer, account: Account, options: { readonly open?: boolean } = {}): Promise<void> {
  if (options.open !== false) await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signOutViaUi(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** The path and query the page shows in its address bar. */
export function addressOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Registers straight through the API (no browser): for accounts a test only needs to exist. */
export async function registerViaApi(server: RunningServer, account: Account): Promise<void> {
  const response = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: account.name, email: account.email, password: account.password }),
  });
  if (response.status !== 201) throw new Error(`register ${account.email}: ${response.status} ${await response.text()}`);
  // Leave no session behind, so device lists only show the browsers of the test.
  const cookies = new Map(response.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
  const logout = await fetch(`${server.url}/api/auth/logout`, {
    method: 'POST',
    headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': cookies.get('gh_csrf') ?? '' },
  });
  if (logout.status !== 204) throw new Error(`logout after registering ${account.email}: ${logout.status}`);
}
