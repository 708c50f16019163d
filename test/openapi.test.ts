import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse } from '../src/integration/plugin.js';
import { createMemoryCounterStore } from '../src/rate-limit/counters.js';
import { buildTestApp, type TestApp } from './helpers/app.js';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown> }>>;
}

/** The web UI's page catch-all and its static assets are not API; nor are the OpenID Connect provider's standard endpoints. */
const UI_ROUTES = new Set(['GET /*', 'GET /assets/*']);
const OIDC_PROVIDER_ROUTES = new Set(['GET /oidc/*', 'POST /oidc/*', 'OPTIONS /oidc/*', 'GET /oidc/interaction/:uid', 'GET /.well-known/openid-configuration']);

/** Fastify `:param` → OpenAPI `{param}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operations(doc: OpenApiDoc): Map<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown> }> {
  const ops = new Map<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown> }>();
  for (const [path, methods] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(methods)) ops.set(`${m.toUpperCase()} ${path}`, op);
  return ops;
}

describe('GET /api/openapi.json', () => {
  let t: TestApp;
  let host: FastifyInstance;
  const registered = new Set<string>();

  beforeAll(async () => {
    t = await buildTestApp();
    // The same plugin buildApp mounts, in a root that records every route it registers.
    host = Fastify();
    host.addHook('onRoute', (route) => {
      for (const m of [route.method].flat()) if (m !== 'HEAD') registered.add(`${m} ${route.url}`);
    });
    const s = t.services;
    await host.register(gatehouse, {
      config: t.config,
      deps: { db: t.db, mailer: t.mailer, hasher: s.hasher, clock: t.clock, counters: createMemoryCounterStore(), logger: s.logger },
    });
    await host.ready();
  });
  afterAll(async () => {
    await host.close();
    await t.close();
  });

  it('documents every API route of the contract', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDoc>();
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(operations(doc).keys());
    const expected = [
      'POST /api/auth/register', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/auth/me',
      'POST /api/auth/verify-email', 'POST /api/auth/resend-verification', 'POST /api/auth/forgot-password',
      'POST /api/auth/reset-password', 'POST /api/auth/change-password', 'PATCH /api/profile', 'DELETE /api/profile',
      'GET /api/sessions', 'DELETE /api/sessions/{id}', 'POST /api/sessions/revoke-others', 'GET /api/org',
      'POST /api/org/invitations', 'GET /api/org/invitations', 'DELETE /api/org/invitations/{id}', 'POST /api/org/join',
      'PATCH /api/org/members/{userId}', 'DELETE /api/org/members/{userId}', 'GET /api/admin/users',
      'PATCH /api/admin/users/{id}', 'DELETE /api/admin/users/{id}', 'POST /api/admin/impersonate',
      'POST /api/admin/impersonate/stop', 'GET /api/admin/security-events', 'GET /api/security-events', 'GET /api/auth/verify',
      'GET /healthz', 'GET /readyz', 'GET /api/dev/outbox', 'GET /api/openapi.json', 'GET /api/docs',
    ];
    for (const route of expected) expect(documented, route).toContain(route);
  });

  it('every registered route is in the document, and every documented path is a registered route', async () => {
    const doc = (await host.inject({ method: 'GET', url: '/api/openapi.json' })).json<OpenApiDoc>();
    const documented = new Set(operations(doc).keys());
    const api = [...registered].filter((r) => !UI_ROUTES.has(r) && !OIDC_PROVIDER_ROUTES.has(r)).map((r) => {
      const [method = '', url = ''] = r.split(' ');
      return `${method} ${openApiPath(url)}`;
    });
    expect(api.length).toBeGreaterThan(30);
    expect([...documented].sort()).toEqual([...new Set(api)].sort());
    // The web UI's routes exist but are not API, so they are not published.
    for (const ui of UI_ROUTES) expect(registered, ui).toContain(ui);
    expect(Object.keys(doc.paths).filter((p) => p === '/*' || p.startsWith('/assets'))).toEqual([]);
  });

  it('every operation has a tag, a summary and its responses described; errors use the envelope', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<OpenApiDoc>();
    for (const [key, op] of operations(doc)) {
      expect(op.summary, `${key} has no summary`).toMatch(/\S/);
      expect(op.tags?.length, `${key} has no tag`).toBe(1);
      const responses = op.responses ?? {};
      expect(Object.keys(responses).some((c) => /^(2\d\d|302)$/.test(c)), `${key} documents no success response`).toBe(true);
      for (const [code, r] of Object.entries(responses)) {
        expect((r as { description?: string }).description, `${key} ${code}`).toMatch(/\S/);
        if (Number(code) >= 400) expect(JSON.stringify(r), `${key} ${code}`).toContain('"error"');
      }
    }
    const verify = doc.paths['/api/auth/verify']?.get;
    expect(Object.keys(verify?.responses ?? {})).toEqual(expect.arrayContaining(['204', '401', '403']));
  });

  it('response documentation never filters what a route sends', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: true, counters: true });
  });

  it('GET /api/docs is a static HTML page listing every route and linking the JSON, without scripts', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toMatch(/<script|\son[a-z]+=|style=/i);
    expect(res.body).toContain('href="/api/openapi.json"');
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<OpenApiDoc>();
    for (const path of Object.keys(doc.paths)) expect(res.body, path).toContain(`<code>${path}</code>`);
  });
});
