import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';

const PERIOD_S = 30;

function stepAt(ms: number): number {
  return Math.floor(ms / 1000 / PERIOD_S);
}

/**
 * The test's authenticator app for one secret. The server accepts each code once and never an older
 * one, so `code()` waits for a step later than the last code it gave out (at most 30 s).
 */
export class AuthenticatorApp {
  readonly secret: string;
  private lastStep = -1;
  private readonly totp: TOTP;

  constructor(secret: string) {
    this.secret = secret;
    this.totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_S });
  }

  async code(): Promise<string> {
    while (stepAt(Date.now()) <= this.lastStep) await new Promise((r) => setTimeout(r, 250));
    // Not in the last second of a step: the code must still be current when the server checks it.
    const intoStep = (Date.now() / 1000) % PERIOD_S;
    if (intoStep > PERIOD_S - 1.5) await new Promise((r) => setTimeout(r, (PERIOD_S - intoStep + 0.2) * 1000));
    const now = Date.now();
    this.lastStep = stepAt(now);
    return this.totp.generate({ timestamp: now });
  }

  /** A code that is wrong now (not valid within ±2 steps). */
  wrongCode(): string {
    const valid = new Set<string>();
    for (let i = -2; i <= 2; i += 1) valid.add(this.totp.generate({ timestamp: Date.now() + i * PERIOD_S * 1000 }));
    for (let n = 0; ; n += 1) {
      const candidate = String((135_791 + n * 7_919) % 1_000_000).padStart(6, '0');
      if (!valid.has(candidate)) return candidate;
    }
  }
}

export interface Enrollment {
  readonly app: AuthenticatorApp;
  readonly recoveryCodes: string[];
  /** The otpauth:// URI the server answered to the setup request. */
  readonly otpauthUri: string;
}

/**
 * Sets up the authenticator app through the Security page's wizard: password → QR code and key (read
 * from the page, as a person would type it) → code. Leaves the recovery codes on screen unless `dismiss`.
 */
export async function enrollTotpViaUi(page: Page, password: string, options: { readonly dismiss?: boolean; readonly onStep?: (step: 'password' | 'scan' | 'codes') => Promise<void> } = {}): Promise<Enrollment> {
  if (new URL(page.url()).pathname !== '/security') await page.getByRole('link', { name: 'Security', exact: true }).click();
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const wizard = page.getByRole('group', { name: 'Set up an authenticator app' });
  await wizard.getByLabel('Password', { exact: true }).fill(password);
  await options.onStep?.('password');
  const setup = page.waitForResponse((r) => r.url().endsWith('/api/mfa/totp/setup') && r.request().method() === 'POST');
  await wizard.getByRole('button', { name: 'Continue' }).click();
  const { otpauthUri } = (await (await setup).json()) as { otpauthUri: string };
  await wizard.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  const shown = (await wizard.locator('code.totp-secret').textContent()) ?? '';
  const app = new AuthenticatorApp(shown.replace(/\s+/g, ''));
  await options.onStep?.('scan');
  await wizard.getByLabel('6-digit code from the app').fill(await app.code());
  await wizard.getByRole('button', { name: 'Turn on' }).click();
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await list.waitFor();
  const recoveryCodes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
  await options.onStep?.('codes');
  if (options.dismiss !== false) await page.getByRole('button', { name: 'I have saved my codes' }).click();
  return { app, recoveryCodes, otpauthUri };
}

/** A CDP virtual authenticator on this page (platform-like: resident keys, user verification, auto presence). */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ credentialCount: () => Promise<number> }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    async credentialCount(): Promise<number> {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length;
    },
  };
}

/**
 * Chromium's virtual authenticator answers a conditional (autofill) request at once, as if the user had
 * picked the passkey from the email field's suggestions. To test the buttons, the page's next documents
 * behave like a browser without passkey autofill (`isConditionalMediationAvailable()` → false).
 */
export async function withoutPasskeyAutofill(page: Page): Promise<void> {
  await page.addInitScript('if (window.PublicKeyCredential) window.PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);');
}

/** After the password was accepted: the second-factor step is shown. */
export async function waitForSecondStep(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
}
