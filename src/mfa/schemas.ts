import { Type } from 'typebox';
import { Password } from '../http/typed.js';

/** base64url (padding tolerated), as WebAuthn's JSON serialization uses it. */
const B64 = Type.String({ minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9_-]+={0,2}$' });
const Transports = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 10 });
const Attachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);
/** Extension outputs are the authenticator's; we read none of them. */
const Extensions = Type.Object({}, { additionalProperties: true, maxProperties: 20 });

/** RegistrationResponseJSON (WebAuthn Level 3 `toJSON()`, as @simplewebauthn/browser sends it). */
export const RegistrationResponse = Type.Object(
  {
    id: B64,
    rawId: B64,
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64,
        attestationObject: B64,
        authenticatorData: Type.Optional(B64),
        transports: Type.Optional(Transports),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(B64),
      },
      { additionalProperties: false },
    ),
    authenticatorAttachment: Type.Optional(Attachment),
    clientExtensionResults: Extensions,
  },
  { additionalProperties: false },
);

/** AuthenticationResponseJSON. */
export const AuthenticationResponse = Type.Object(
  {
    id: B64,
    rawId: B64,
    type: Type.Literal('public-key'),
    response: Type.Object(
      { clientDataJSON: B64, authenticatorData: B64, signature: B64, userHandle: Type.Optional(B64) },
      { additionalProperties: false },
    ),
    authenticatorAttachment: Type.Optional(Attachment),
    clientExtensionResults: Extensions,
  },
  { additionalProperties: false },
);

/** Six digits, nothing else: a code with spaces or letters is refused before anything is looked up. */
export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });
/** `xxxxx-xxxxx-xxxxx-xxxxx-xxxxx` (or the earlier `xxxx-xxxx-xxxx-xxxx`), dashes optional, any case. */
export const RecoveryCode = Type.String({ pattern: '^(?:[A-Za-z0-9]{5}(?:-?[A-Za-z0-9]{5}){4}|[A-Za-z0-9]{4}(?:-?[A-Za-z0-9]{4}){3})$' });
/** Either of the two, where the contract accepts both in one field. */
export const TotpOrRecoveryCode = Type.String({ pattern: '^(?:[0-9]{6}|(?:[A-Za-z0-9]{5}(?:-?[A-Za-z0-9]{5}){4}|[A-Za-z0-9]{4}(?:-?[A-Za-z0-9]{4}){3}))$' });
export const PasskeyName = Type.String({ minLength: 1, maxLength: 100 });

/** `{password}` or `{passkey}`: re-authentication for a sensitive change. */
export const ReauthFields = { password: Type.Optional(Password), passkey: Type.Optional(AuthenticationResponse) };
