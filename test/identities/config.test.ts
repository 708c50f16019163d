import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const BASE = { SESSION_SECRET: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz', DATABASE_URL: 'sqlite::memory:' };
const PROD = { ...BASE, NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://mail.example.test:587', PUBLIC_URL: 'https://auth.example.test' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { persistDevSecret: false });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
}

describe('provider configuration', () => {
  it('reads OIDC_PROVIDERS and each provider’s variables, then GitHub; frozen', () => {
    const config = loadConfig(
      {
        ...BASE,
        OIDC_PROVIDERS: ' Google , acme ',
        OIDC_GOOGLE_ISSUER: 'https://accounts.google.com/',
        OIDC_GOOGLE_CLIENT_ID: 'g',
        OIDC_GOOGLE_CLIENT_SECRET: 'gs',
        OIDC_ACME_ISSUER: 'https://sso.acme.test/realms/main',
        OIDC_ACME_CLIENT_ID: 'a',
        OIDC_ACME_CLIENT_SECRET: 'as',
        OIDC_ACME_LABEL: 'Acme SSO',
        GITHUB_CLIENT_ID: 'h',
        GITHUB_CLIENT_SECRET: 'hs',
      },
      { persistDevSecret: false },
    );
    expect(config.providers.map((p) => [p.name, p.label])).toEqual([['google', 'Google'], ['acme', 'Acme SSO'], ['github', 'GitHub']]);
    expect(config.providers[0]).toMatchObject({ kind: 'oidc', issuer: 'https://accounts.google.com' });
    expect(config.providers[2]).toMatchObject({ kind: 'github', authorizeUrl: 'https://github.com/login/oauth/authorize', apiUrl: 'https://api.github.com' });
    expect(Object.isFrozen(config.providers)).toBe(true);
    expect(Object.isFrozen(config.providers[0])).toBe(true);
  });

  it('names every missing variable; github is not an OIDC provider; a secret without an id is refused', () => {
    expect(problemsOf({ ...BASE, OIDC_PROVIDERS: 'acme', OIDC_ACME_ISSUER: 'https://x.test' })).toEqual(['OIDC provider "acme" needs OIDC_ACME_CLIENT_ID, OIDC_ACME_CLIENT_SECRET']);
    expect(problemsOf({ ...BASE, OIDC_PROVIDERS: 'github' })[0]).toMatch(/github is not OIDC/);
    expect(problemsOf({ ...BASE, GITHUB_CLIENT_ID: 'x' })).toEqual(['GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is missing']);
    expect(problemsOf({ ...BASE, OIDC_PROVIDERS: 'bad-name!' })[0]).toMatch(/lowercase name/);
  });

  it('production refuses to boot with an http provider URL, even on 127.0.0.1; development allows http only on loopback', () => {
    const acme = (issuer: string): Record<string, string> => ({ OIDC_PROVIDERS: 'acme', OIDC_ACME_ISSUER: issuer, OIDC_ACME_CLIENT_ID: 'a', OIDC_ACME_CLIENT_SECRET: 's' });
    expect(problemsOf({ ...PROD, ...acme('http://127.0.0.1:9000') })).toEqual(['OIDC_ACME_ISSUER must be an https URL (http only for 127.0.0.1 outside production)']);
    expect(problemsOf({ ...PROD, ...acme('https://sso.acme.test') })).toEqual([]);
    expect(problemsOf({ ...BASE, ...acme('http://127.0.0.1:9000') })).toEqual([]);
    expect(problemsOf({ ...BASE, ...acme('http://sso.acme.test') })).toHaveLength(1);
    expect(problemsOf({ ...PROD, GITHUB_CLIENT_ID: 'h', GITHUB_CLIENT_SECRET: 's', GITHUB_API_URL: 'http://127.0.0.1:1' })).toEqual(['GITHUB_API_URL must be an https URL (http only for 127.0.0.1 outside production)']);
  });
});
