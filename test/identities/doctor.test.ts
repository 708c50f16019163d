import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerChecks } from '../../src/identities/doctor-providers.js';
import { freePort } from '../helpers/services.js';
import { startExternalIdp, type ExternalIdp } from './idp.js';
import { startCraftedIdp, type CraftedIdp } from './fakes.js';

describe('doctor: each provider’s discovery document', () => {
  let idp: ExternalIdp;
  let crafted: CraftedIdp;
  beforeAll(async () => {
    idp = await startExternalIdp(['https://auth.example.test/api/auth/oauth/acme/callback']);
    crafted = await startCraftedIdp('x');
  });
  afterAll(async () => {
    await idp.close();
    await crafted.close();
  });

  const env = (name: string, issuer: string): Record<string, string> => ({
    PUBLIC_URL: 'https://auth.example.test',
    OIDC_PROVIDERS: name,
    [`OIDC_${name.toUpperCase()}_ISSUER`]: issuer,
    [`OIDC_${name.toUpperCase()}_CLIENT_ID`]: 'id',
    [`OIDC_${name.toUpperCase()}_CLIENT_SECRET`]: 'secret',
  });

  it('a real provider: the document is read; its http endpoints are errors for production; the redirect URI to register is named', async () => {
    const findings = await providerChecks(env('acme', idp.issuer));
    const messages = findings.map((f) => `${f.severity} ${f.message}`);
    expect(messages).toContain('error provider "acme": token_endpoint is not https');
    expect(messages.some((m) => m.includes('names issuer'))).toBe(false);
    expect(messages).toContain('info provider "acme": register the redirect URI https://auth.example.test/api/auth/oauth/acme/callback');
  });

  it('an https provider whose document is right: OK', async () => {
    const doc = { issuer: 'https://idp.example.test', authorization_endpoint: 'https://idp.example.test/a', token_endpoint: 'https://idp.example.test/t', jwks_uri: 'https://idp.example.test/j', response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] };
    const fake = ((): Promise<Response> => Promise.resolve(Response.json(doc))) as typeof fetch;
    const findings = await providerChecks(env('good', 'https://idp.example.test'), fake);
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(findings.map((f) => f.message)).toContain('provider "good": discovery document OK');
  });

  it('an issuer that does not match the document is an error', async () => {
    const findings = await providerChecks(env('wrong', `${crafted.base}/`.replace('127.0.0.1', 'localhost')));
    expect(findings.some((f) => f.severity === 'error' && f.message.includes('names issuer'))).toBe(true);
  });

  it('a provider that is down is an error, not a crash', async () => {
    const port = await freePort();
    const findings = await providerChecks(env('down', `http://127.0.0.1:${String(port)}`));
    expect(findings[0]).toMatchObject({ severity: 'error', subject: 'OIDC_DOWN_ISSUER' });
    expect(findings[0]?.message).toMatch(/cannot fetch/);
  });

  it('a document without endpoints is an error for each missing one', async () => {
    const fake = ((): Promise<Response> => Promise.resolve(Response.json({ issuer: 'https://idp.example.test' }))) as typeof fetch;
    const findings = await providerChecks(env('bare', 'https://idp.example.test'), fake);
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([
      'provider "bare": the discovery document has no authorization_endpoint',
      'provider "bare": the discovery document has no token_endpoint',
      'provider "bare": the discovery document has no jwks_uri',
    ]);
  });
});
