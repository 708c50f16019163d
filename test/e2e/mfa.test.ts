import { readFileSync } from 'node:fs';
import { create } from 'qrcode';
import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaUi, signInViaUi, signOutViaUi, type Account } from './helpers/flows.js';
import { enrollTotpViaUi, waitForSecondStep } from './helpers/mfa.js';

const e2e = await startE2e();
// The second-factor API is built in parallel with the UI: probe the running server, not a flag.
const mfaApi = e2e !== null && (await e2e.server.routeExists('GET', '/api/mfa'));
const SKIP = mfaApi ? '' : ' (skipped: GET /api/mfa is not served yet)';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

/** Dark modules of the QR code of `text`, counted as the page's SVG path draws them (one `M` per module). */
function darkModules(text: string): number {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  let count = 0;
  for (let row = 0; row < modules.size; row += 1) for (let col = 0; col < modules.size; col += 1) if (modules.get(row, col) !== 0) count += 1;
  return count;
}

describeWithChromium('web UI: authenticator app and recovery codes (real server, Chromium)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it.skipIf(!mfaApi)(`sets up an authenticator app in the wizard, keeps the recovery codes, then signs in with a code and with a recovery code${SKIP}`, { timeout: 150_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const tess = account('tess');
    await registerViaUi(page, server, tess, 'Tess Test Org');
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await screenshot(page, 'mfa-security-off');

    let qrPath = '';
    const enrolled = await enrollTotpViaUi(page, tess.password, {
      dismiss: false,
      async onStep(step) {
        if (step === 'scan') {
          qrPath = (await page.locator('svg.qr-code path').getAttribute('d')) ?? '';
          // The QR code is React SVG (no <img>, no data URL) drawn from the URI the server gave.
          expect(await page.locator('svg[role="img"][aria-label="QR code for your authenticator app"]').count()).toBe(1);
          expect(await page.locator('img').count()).toBe(0);
          await screenshot(page, 'mfa-totp-wizard');
        }
      },
    });
    expect(enrolled.otpauthUri).toContain(`secret=${enrolled.app.secret}`);
    expect(qrPath.split('M').length - 1).toBe(darkModules(enrolled.otpauthUri));
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(await inlineStyleCount(page)).toBe(0);
    await screenshot(page, 'mfa-recovery-codes');

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(enrolled.recoveryCodes.join('\n'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('gatehouse-recovery-codes.txt');
    const file = readFileSync(await download.path(), 'utf8');
    for (const code of enrolled.recoveryCodes) expect(file).toContain(code);
    expect(file).toContain(tess.email);

    await page.getByRole('button', { name: 'I have saved my codes' }).click();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).count()).toBe(0);
    const factors = page.getByRole('list', { name: 'Second factors' });
    await factors.getByText('On', { exact: true }).waitFor();
    await factors.getByText('10 codes left.', { exact: false }).waitFor();

    // Password, then a wrong code, then the right one typed with a space in the middle.
    await signOutViaUi(page);
    await signInViaUi(page, server, tess, { open: false });
    await waitForSecondStep(page);
    const codeField = page.getByLabel('Authentication code');
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await codeField.getAttribute('inputmode')).toBe('numeric');
    await screenshot(page, 'mfa-sign-in-code');
    await codeField.fill(enrolled.app.wrongCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    // A wrong code is said once, at the code field, and goes as soon as the field is edited.
    await page.getByText('That code is not right.', { exact: false }).waitFor();
    expect(await page.getByText('That code is not right.', { exact: false }).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await codeField.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'mfa-sign-in-wrong-code');
    await codeField.fill('1');
    expect(await page.getByText('That code is not right.', { exact: false }).count()).toBe(0);
    const code = await enrolled.app.code();
    await codeField.fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: `Hello, ${tess.name}` }).waitFor();
    expect(addressOf(page)).toBe('/');

    // The devices list says how this session signed in.
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('list', { name: 'Signed-in devices' }).getByText('Signed in with Password + Authenticator app').waitFor();

    // Then with a recovery code, typed in capitals with spaces around it.
    await signOutViaUi(page);
    await signInViaUi(page, server, tess, { open: false });
    await waitForSecondStep(page);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(` ${enrolled.recoveryCodes[0]!.toUpperCase()} `);
    await screenshot(page, 'mfa-sign-in-recovery');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: `Hello, ${tess.name}` }).waitFor();
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('list', { name: 'Second factors' }).getByText('9 codes left.', { exact: false }).waitFor();
    await page.getByRole('list', { name: 'Signed-in devices' }).getByText('Signed in with Password + Recovery code').waitFor();
    await page.getByRole('list', { name: 'Security events' }).getByText('Recovery code used').first().waitFor();
    await screenshot(page, 'mfa-security-on');

    // A used recovery code does not work a second time.
    await signOutViaUi(page);
    await signInViaUi(page, server, tess, { open: false });
    await waitForSecondStep(page);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(enrolled.recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That recovery code is not valid or has already been used.').waitFor();
    expect(await page.getByLabel('Recovery code').getAttribute('aria-invalid')).toBe('true');
    expect(problems).toEqual([]);
    await context.close();
  });

  it.skipIf(!mfaApi)(`turns the authenticator app off with the password and a code; the next sign-in asks for the password only${SKIP}`, { timeout: 120_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    const uli = account('uli');
    await registerViaUi(page, server, uli);
    const enrolled = await enrollTotpViaUi(page, uli.password);
    await page.getByRole('button', { name: 'Create new codes' }).click();
    await page.getByLabel('Password', { exact: true }).fill(uli.password);
    await page.getByRole('button', { name: 'Create new codes' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const fresh = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => enrolled.recoveryCodes.includes(c))).toEqual([]);
    await page.getByRole('button', { name: 'I have saved my codes' }).click();

    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByLabel('Code from the app, or a recovery code').fill(await enrolled.app.code());
    await page.getByLabel('Password', { exact: true }).fill(uli.password);
    await screenshot(page, 'mfa-turn-off');
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('The authenticator app was turned off.').waitFor();
    await page.getByRole('list', { name: 'Second factors' }).getByText('Off', { exact: true }).waitFor();

    await signOutViaUi(page);
    await signInViaUi(page, server, uli, { open: false });
    await page.getByRole('heading', { name: `Hello, ${uli.name}` }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it.skipIf(!mfaApi)(`reads well on a phone: the wizard, the recovery codes and the second-factor step${SKIP}`, { timeout: 120_000 }, async () => {
    const { page, context, problems } = await openTab(browser, { phone: true });
    const pia = account('pia');
    await registerViaUi(page, server, pia, 'Pia Phone Org');
    const fits = async (): Promise<boolean> => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    const enrolled = await enrollTotpViaUi(page, pia.password, {
      dismiss: false,
      async onStep(step) {
        if (step === 'scan') {
          await screenshot(page, 'phone-mfa-totp-wizard');
          expect(await fits()).toBe(true);
        }
      },
    });
    await screenshot(page, 'phone-mfa-recovery-codes');
    expect(await fits()).toBe(true);
    await page.getByRole('button', { name: 'I have saved my codes' }).click();
    await signOutViaUi(page);
    await screenshot(page, 'phone-sign-in-passkey-button');
    await signInViaUi(page, server, pia, { open: false });
    await waitForSecondStep(page);
    await screenshot(page, 'phone-mfa-sign-in-code');
    expect(await fits()).toBe(true);
    await page.getByLabel('Authentication code').fill(await enrolled.app.code());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: `Hello, ${pia.name}` }).waitFor();
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    await screenshot(page, 'phone-mfa-security');
    expect(await fits()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
