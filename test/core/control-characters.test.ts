import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { setRole } from '../admin/admin-support.js';
import { snapshot } from '../org/support.js';
import { expectError, newUser, withApp, type NewUser } from './support.js';

/**
 * PostgreSQL refuses a NUL byte in text (SQLite stores it), so an id or filter carrying one used to
 * be a 500 with an error-level stack on one database and a 404 on the other. Every route must refuse
 * control characters in what it passes to a query, before any query runs, alike on both databases.
 */

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

/** C0 (NUL, SOH, LF), DEL and C1 (NEL), alone and inside an otherwise ordinary id. */
const CONTROL = ['%00', 'abc%00def', '%01', '%0A', '%7F', '%C2%85'];

/** Error-level (or worse) lines in the captured log: a refusal of bad input is not an error. */
function errorLogs(t: TestApp, from: number): string[] {
  return t.logs.slice(from).filter((l) => /"level":(50|60)/.test(l));
}

describe('control characters in ids, filters and path parameters', () => {
  let t: TestApp;
  let admin: NewUser;
  let member: NewUser;
  withApp(
    async (app) => {
      const a = await newUser(app);
      await setRole(app, a.id, 'admin');
      const m = await newUser(app);
      return { a, m };
    },
    (app, made) => {
      t = app;
      admin = made.a;
      member = made.m;
    },
  );

  async function pathRoutes(): Promise<[string, string][]> {
    const doc = (await admin.agent.get('/api/openapi.json')).json<OpenApiDoc>();
    const routes: [string, string][] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      for (const method of Object.keys(methods)) routes.push([method.toUpperCase(), path]);
    }
    return routes;
  }

  it('every route with a path parameter answers 400 invalid_request, logs no error and changes nothing', async () => {
    const routes = await pathRoutes();
    // The routes of the issue, at least; new ones are picked up from the OpenAPI document.
    expect(routes.map(([m, p]) => `${m} ${p}`)).toEqual(
      expect.arrayContaining(['DELETE /api/sessions/{id}', 'DELETE /api/org/invitations/{id}', 'PATCH /api/org/members/{userId}', 'DELETE /api/org/members/{userId}', 'PATCH /api/admin/users/{id}', 'DELETE /api/admin/users/{id}']),
    );
    const before = await snapshot(t);
    const logFrom = t.logs.length;
    for (const [method, path] of routes) {
      for (const bad of [...CONTROL, `${member.id}%00`]) {
        const url = path.replace(/\{[^}]+\}/g, bad);
        const res = await admin.agent.request(method as 'DELETE', url, method === 'PATCH' ? { role: 'member', disabled: true } : undefined);
        expect({ url: `${method} ${url}`, status: res.statusCode }).toEqual({ url: `${method} ${url}`, status: 400 });
        expectError(res, 400, 'invalid_request');
      }
    }
    expect(errorLogs(t, logFrom)).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
  });

  it("a NUL after a real id is refused, not cut off: the admin's own session and the member stay", async () => {
    const me = (await admin.agent.get('/api/auth/me')).json<{ session: { id: string } }>().session.id;
    const before = await snapshot(t);
    expectError(await admin.agent.delete(`/api/sessions/${me}%00`), 400, 'invalid_request');
    expectError(await admin.agent.delete(`/api/admin/users/${member.id}%00`), 400, 'invalid_request');
    expect(await snapshot(t)).toEqual(before);
    expect((await admin.agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('ids and filters in query strings and bodies are refused the same way', async () => {
    const before = await snapshot(t);
    const logFrom = t.logs.length;
    for (const bad of CONTROL) {
      expectError(await admin.agent.get(`/api/admin/users?q=${bad}`), 400, 'invalid_request');
      expectError(await admin.agent.get(`/api/admin/security-events?userId=${bad}`), 400, 'invalid_request');
      expectError(await admin.agent.get(`/api/admin/security-events?type=${bad}`), 400, 'invalid_request');
      expectError(await admin.agent.post('/api/admin/impersonate', { userId: decodeURIComponent(bad) }), 400, 'invalid_request');
    }
    expectError(await admin.agent.post('/api/admin/impersonate', { userId: `${member.id}\u0000` }), 400, 'invalid_request');
    expect(errorLogs(t, logFrom)).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
    // Control: ordinary values still work on the same routes.
    expect((await admin.agent.get(`/api/admin/users?q=${encodeURIComponent(member.email)}`)).json<{ total: number }>().total).toBe(1);
    expect((await admin.agent.get(`/api/admin/security-events?userId=${member.id}`)).statusCode).toBe(200);
    expectError(await admin.agent.delete('/api/sessions/unknown-id'), 404, 'not_found');
  });
});
