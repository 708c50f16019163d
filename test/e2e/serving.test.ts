import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ensureWebBuilt } from './helpers/server.js';
import { WEB_DIST } from '../../src/http/web.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('serving the built web UI next to the API (no browser needed)', () => {
  let t: TestApp;
  beforeAll(async () => {
    ensureWebBuilt();
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it.each(['/', '/sign-in', '/register', '/forgot-password', '/security', '/organization', '/admin'])('GET %s is the app (index.html) with the CSP', async (url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root"></div>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("style-src 'self'");
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('the OpenID Connect sign-in and consent page (/oidc/interaction/{uid}) is the app, and cannot be framed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/oidc/interaction/8gMZ3rVQk1vXoTqJ2nYb', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root"></div>');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
  });

  it.each(['/verify-email?token=abc.def.ghi', '/reset-password?token=abc.def.ghi', '/join?token=abc.def.ghi'])('token page %s never sends its URL as a referrer', async (url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // The token stays in the URL only; the page does not echo it.
    expect(res.body).not.toContain('abc.def.ghi');
  });

  it('unknown /api routes stay JSON 404, even when a browser asks for HTML', async () => {
    for (const url of ['/api/nope', '/api/', '/api']) {
      const res = await t.app.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const post = await t.app.inject({ method: 'POST', url: '/sign-in', headers: { ...HTML, 'content-type': 'application/json' }, payload: '{}' });
    expect(post.statusCode).toBe(404);
    expect(post.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('an unknown page is a 404 that the app renders; a non-HTML request for it is a JSON 404', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/no/such/page', headers: HTML });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('<div id="root"></div>');
    const script = await t.app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'application/json' } });
    expect(script.statusCode).toBe(404);
    expect(script.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('hashed assets are served with long-lived caching; a missing asset is a 404, never index.html', async () => {
    const file = readdirSync(join(WEB_DIST, 'assets')).find((f) => f.endsWith('.js'));
    expect(file).toBeDefined();
    const res = await t.app.inject({ method: 'GET', url: `/assets/${file!}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    const missing = await t.app.inject({ method: 'GET', url: '/assets/missing-0000.js', headers: HTML });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('<div id="root">');
    const escape = await t.app.inject({ method: 'GET', url: '/assets/../../package.json' });
    expect(escape.statusCode).toBe(404);
    expect(escape.body).not.toContain('"name": "gatehouse"');
  });
});
