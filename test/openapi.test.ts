import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';

describe('GET /api/openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents every API route of the app', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
    const expected = [
      'POST /api/auth/register', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/auth/me',
      'POST /api/auth/verify-email', 'POST /api/auth/resend-verification', 'POST /api/auth/forgot-password',
      'POST /api/auth/reset-password', 'POST /api/auth/change-password', 'PATCH /api/profile', 'DELETE /api/profile',
      'GET /api/sessions', 'DELETE /api/sessions/{id}', 'POST /api/sessions/revoke-others', 'GET /api/org',
      'POST /api/org/invitations', 'GET /api/org/invitations', 'DELETE /api/org/invitations/{id}', 'POST /api/org/join',
      'PATCH /api/org/members/{userId}', 'DELETE /api/org/members/{userId}', 'GET /api/admin/users',
      'PATCH /api/admin/users/{id}', 'DELETE /api/admin/users/{id}', 'POST /api/admin/impersonate',
      'POST /api/admin/impersonate/stop', 'GET /api/admin/security-events', 'GET /api/security-events', 'GET /api/auth/verify',
    ];
    for (const route of expected) expect(documented, route).toContain(route);
  });
});
