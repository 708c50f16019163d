import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { reauthPasskeyOptions } from '../api/endpoints';

/**
 * The browser side of passkeys. @simplewebauthn/browser keeps one ceremony at a time (starting one
 * aborts the previous, e.g. a pending autofill request); `ceremony` numbers them so a page that leaves
 * cancels only its own.
 */
let ceremony = 0;

/** Thrown when the browser cannot do WebAuthn at all (old browser, insecure context). */
export class PasskeysUnsupported extends Error {
  constructor() {
    super('This browser cannot use passkeys.');
    this.name = 'PasskeysUnsupported';
  }
}

export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

function assertSupported(): void {
  if (!browserSupportsWebAuthn()) throw new PasskeysUnsupported();
}

/** A modal "use your passkey" prompt. */
export async function getAssertion(optionsJSON: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  assertSupported();
  ceremony += 1;
  return startAuthentication({ optionsJSON });
}

/** A "create a passkey" prompt. */
export async function createCredential(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
  assertSupported();
  ceremony += 1;
  return startRegistration({ optionsJSON });
}

/** Re-authentication with one of the signed-in user's own passkeys (in place of the password). */
export async function reauthWithPasskey(): Promise<{ passkey: AuthenticationResponseJSON }> {
  assertSupported();
  return { passkey: await getAssertion(await reauthPasskeyOptions()) };
}

export interface AutofillRequest {
  /** Cancels the pending autofill request, unless another ceremony has replaced it already. */
  readonly cancel: () => void;
  /** Resolves once the request's options (and so its challenge cookie) have arrived, or will never be asked for. */
  readonly settled: Promise<void>;
}

/**
 * Passkey autofill (conditional mediation) on a field with `autocomplete="username webauthn"`: the
 * browser offers the user's passkeys among its suggestions. `options` is only asked for when the
 * browser supports it; `onAssertion` runs when the user picks one.
 */
export function startAutofill(
  options: () => Promise<PublicKeyCredentialRequestOptionsJSON>,
  onAssertion: (response: AuthenticationResponseJSON) => void,
): AutofillRequest {
  // Changed by cancel(), read after each await.
  const state = { live: true, mine: -1 };
  const live = (): boolean => state.live;
  let markSettled = (): void => undefined;
  const settled = new Promise<void>((done) => {
    markSettled = done;
  });
  void (async () => {
    try {
      if (!browserSupportsWebAuthn() || !(await browserSupportsWebAuthnAutofill()) || !live()) return;
      let optionsJSON: PublicKeyCredentialRequestOptionsJSON;
      try {
        optionsJSON = await options();
      } finally {
        markSettled();
      }
      if (!live()) return;
      ceremony += 1;
      state.mine = ceremony;
      const response = await startAuthentication({ optionsJSON, useBrowserAutofill: true });
      if (live()) onAssertion(response);
    } catch {
      // Cancelled (another ceremony, leaving the page) or unavailable: the form works without it.
    } finally {
      markSettled();
    }
  })();
  return {
    settled,
    cancel(): void {
      state.live = false;
      if (state.mine === ceremony) WebAuthnAbortService.cancelCeremony();
    },
  };
}

/** Words for a failed or cancelled WebAuthn prompt, or null when `error` is not one. */
export function describeWebAuthnError(error: unknown): string | null {
  if (error instanceof PasskeysUnsupported) return 'This browser cannot use passkeys. Use another browser, or your password.';
  if (!(error instanceof Error)) return null;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || error.name === 'InvalidStateError') {
    return 'This device already holds a passkey for your account.';
  }
  if (error.name === 'NotAllowedError' || error.name === 'AbortError' || code === 'ERROR_CEREMONY_ABORTED') {
    return 'The passkey request was cancelled or timed out. Try again.';
  }
  if (error.name === 'SecurityError' || code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID') {
    return 'Passkeys are not available on this address. Open Gatehouse at its usual address and try again.';
  }
  if (error.name === 'WebAuthnError' || error.name === 'NotSupportedError') return 'Your device could not use a passkey here. Try again, or use your password.';
  return null;
}
