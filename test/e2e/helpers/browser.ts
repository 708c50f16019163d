import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { REPO, startServer, type RunningServer } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = join(REPO, 'test-results', 'e2e');

/**
 * Runs `body` as a describe block when Debian's Chromium is installed. Otherwise the file reports one
 * skipped test saying why, except under CI=true, where a missing browser fails the run.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (HAS_CHROMIUM) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    if (process.env.CI === 'true') {
      it(`needs Chromium at ${CHROMIUM} (CI=true: a missing dependency fails the run)`, () => {
        expect.fail(`chromium not found at ${CHROMIUM}; install it with apt-get install -y chromium`);
      });
    } else {
      process.stdout.write(`skipped: ${name}: chromium not found at ${CHROMIUM}\n`);
      it.skip(`skipped: chromium not found at ${CHROMIUM}`, () => undefined);
    }
  });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and CSP violations seen so far on this page. */
  readonly problems: string[];
}

/** A fresh browser profile (own cookies) with one page, watching for CSP violations and script errors. */
export async function openTab(browser: Browser, options: { readonly phone?: boolean } = {}): Promise<Tab> {
  const context = await browser.newContext(
    options.phone === true ? { viewport: { width: 390, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : { viewport: { width: 1200, height: 860 } },
  );
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    // Failed API calls are logged by Chromium as resource errors; those are expected (401, 403…).
    if (message.type() === 'error' && !/Failed to load resource/.test(text)) problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Saves test-results/e2e/<name>.png (full page) for a look at the design. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

let counter = 0;
/** A unique address per call and per run. */
export function uniqueEmail(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple 42';
export const NEW_PASSWORD = 'a completely different passphrase 77';

export interface E2e {
  readonly server: RunningServer;
  readonly browser: Browser;
  close(): Promise<void>;
}

/** One server and one browser per test file; null when Chromium is missing (the suite then skips or fails). */
export async function startE2e(env: Readonly<Record<string, string>> = {}): Promise<E2e | null> {
  if (!HAS_CHROMIUM) return null;
  const server = await startServer(env);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    server,
    browser,
    async close(): Promise<void> {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * Elements with a style attribute: the CSP (style-src 'self') would block them, so the UI must have none.
 * An empty `style=""` holds nothing to block: Chromium's password manager leaves one on password fields
 * once it has seen a password submitted on the page.
 */
export async function inlineStyleCount(page: Page): Promise<number> {
  return page.locator('[style]:not([style=""])').count();
}
