import { afterAll, expect, it } from 'vitest';
import { describeWithChromium, inlineStyleCount, openTab, PASSWORD, screenshot, startE2e, uniqueEmail } from './helpers/browser.js';
import { addressOf, registerViaUi, signInViaUi, signOutViaUi, type Account } from './helpers/flows.js';
import { addVirtualAuthenticator, waitForSecondStep, withoutPasskeyAutofill } from './helpers/mfa.js';

const e2e = await startE2e();
// The passkey API is built in parallel with the UI: probe the running server, not a flag.
const passkeyApi = e2e !== null && (await e2e.server.routeExists('POST', '/api/auth/passkey/options'));
const SKIP = passkeyApi ? '' : ' (skipped: POST /api/auth/passkey/options is not served yet)';

function account(label: string): Account {
  return { name: `${label[0]!.toUpperCase()}${label.slice(1)} Tester`, email: uniqueEmail(label), password: PASSWORD };
}

describeWithChromium('web UI: passkeys (real server, Chromium with a virtual authenticator)', () => {
  afterAll(async () => e2e?.close());
  const { server, browser } = e2e!;

  it.skipIf(!passkeyApi)(`adds a passkey, signs in with it and no password, uses it as the second factor and in place of the password${SKIP}`, { timeout: 150_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    // WebAuthn needs a secure context whose host is the RP ID: http://localhost is one.
    expect(new URL(server.url).hostname).toBe('localhost');
    const authenticator = await addVirtualAuthenticator(context, page);
    const kim = account('kim');
    await registerViaUi(page, server, kim, 'Kim Passkey Org');
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByText('No passkeys yet.').waitFor();

    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Name').fill('Test laptop');
    await page.getByLabel('Password', { exact: true }).fill(kim.password);
    await screenshot(page, 'mfa-passkey-add');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.getByText('The passkey “Test laptop” was added.', { exact: false }).waitFor();
    const passkeys = page.getByRole('list', { name: 'Passkeys' });
    await passkeys.getByText('Test laptop', { exact: true }).waitFor();
    expect(await authenticator.credentialCount()).toBe(1);

    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await page.getByLabel('New name for Test laptop').fill('Work laptop');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('The passkey is now called “Work laptop”.').waitFor();
    await passkeys.getByText('Work laptop', { exact: true }).waitFor();
    expect(await inlineStyleCount(page)).toBe(0);
    await screenshot(page, 'mfa-passkeys');

    // Passkey autofill: the sign-in page's email field asks for a passkey at once (conditional
    // mediation); the virtual authenticator picks this one, as a person would from the suggestions.
    const autofillOptions = page.waitForResponse((r) => r.url().endsWith('/api/auth/passkey/options'));
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await autofillOptions;
    await page.getByRole('heading', { name: `Hello, ${kim.name}` }).waitFor();
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('list', { name: 'Signed-in devices' }).getByText('Signed in with Passkey').waitFor();
    await page.getByRole('list', { name: 'Security events' }).getByText('Signed in with a passkey').first().waitFor();
    await passkeys.getByText('last used', { exact: false }).waitFor();

    // Passwordless with the button, no email, no password (a browser without passkey autofill).
    await withoutPasskeyAutofill(page);
    await page.reload();
    await signOutViaUi(page);
    const email = page.getByLabel('Email', { exact: true });
    expect(await email.getAttribute('autocomplete')).toBe('username webauthn');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: `Hello, ${kim.name}` }).waitFor();
    expect(addressOf(page)).toBe('/');

    // Password first: the passkey is then the second factor.
    await signOutViaUi(page);
    await signInViaUi(page, server, kim, { open: false });
    await waitForSecondStep(page);
    await screenshot(page, 'mfa-sign-in-passkey-step');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: `Hello, ${kim.name}` }).waitFor();

    // The profile takes the passkey instead of the password for an email change.
    const newEmail = uniqueEmail('kim-new');
    await page.getByLabel('New email address').fill(newEmail);
    await page.getByRole('button', { name: 'Use a passkey instead' }).first().click();
    await page.getByText(`Your email is now ${newEmail}.`, { exact: false }).waitFor();

    // Removing the passkey (with the password) brings back the password-only sign-in.
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByLabel('Password', { exact: true }).last().fill(kim.password);
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await page.getByText('The passkey “Work laptop” was removed.').waitFor();
    await page.getByText('No passkeys yet.').waitFor();
    await signOutViaUi(page);
    await signInViaUi(page, server, { ...kim, email: newEmail }, { open: false });
    await page.getByRole('heading', { name: `Hello, ${kim.name}` }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it.skipIf(!passkeyApi)(`a passkey the server does not know is refused with a clear message${SKIP}`, { timeout: 90_000 }, async () => {
    const { page, context, problems } = await openTab(browser);
    await withoutPasskeyAutofill(page);
    const authenticator = await addVirtualAuthenticator(context, page);
    const lea = account('lea');
    await registerViaUi(page, server, lea);
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Password', { exact: true }).fill(lea.password);
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.getByRole('list', { name: 'Passkeys' }).getByRole('listitem').waitFor();
    expect(await authenticator.credentialCount()).toBe(1);
    // Removed on the server, still on the device.
    await page.getByRole('button', { name: /^Remove / }).click();
    await page.getByLabel('Password', { exact: true }).last().fill(lea.password);
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await page.getByText('No passkeys yet.').waitFor();

    await signOutViaUi(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('alert').getByText('That passkey was not accepted.', { exact: false }).waitFor();
    await screenshot(page, 'mfa-passkey-refused');
    expect(addressOf(page)).toBe('/sign-in');
    expect(problems).toEqual([]);
    await context.close();
  });
});
