import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { queryTemplate } from '../../src/db/template.js';
import { recordEvents } from '../../src/events/security-events.js';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';

/**
 * Login statements are built once and run with new values (src/db/template.ts, issue 16). A template
 * that baked a value into its SQL would run every later call with the first caller's value, so
 * everything that could bake one in must refuse the template at its first use.
 */
describe('query templates', () => {
  let t: TestApp;
  let userId: string;
  let email: string;

  beforeAll(async () => {
    t = await buildTestApp();
    ({ id: userId, email } = await registerUser(t));
  });
  afterAll(async () => {
    await t.close();
  });

  const byEmail = queryTemplate('test.byEmail', ['email'], (db, p: { email: string }) => db.selectFrom('users').select(['id', 'email']).where('email', '=', p.email));

  it('runs with each call’s own values, as bound parameters', async () => {
    expect(await byEmail.first(t.db.kysely, { email })).toEqual({ id: userId, email });
    expect(await byEmail.first(t.db.kysely, { email: 'nobody@example.com' })).toBeUndefined();
    // A value that looks like SQL stays a value.
    expect(await byEmail.rows(t.db.kysely, { email: "x' or '1'='1" })).toEqual([]);
    const compiled = byEmail.compile(t.db.kysely, { email: 'a@example.com' });
    expect(compiled.parameters).toEqual(['a@example.com']);
    expect(compiled.sql).not.toContain('a@example.com');
  });

  it('runs inside a transaction, and counts changed rows', async () => {
    const rename = queryTemplate('test.rename', ['id', 'name'], (db, p: { id: string; name: string }) => db.updateTable('users').set({ name: p.name }).where('id', '=', p.id));
    await expect(t.db.kysely.transaction().execute((trx) => rename.changed(trx, { id: userId, name: 'Renamed In Trx' }))).resolves.toBe(1);
    expect(await rename.changed(t.db.kysely, { id: 'no-such-user', name: 'x' })).toBe(0);
    const row = await t.db.kysely.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row.name).toBe('Renamed In Trx');
  });

  it('refuses a value computed from another (it would be baked in)', async () => {
    const derived = queryTemplate('test.derived', ['now'], (db, p: { now: number }) => db.selectFrom('sessions').select('id').where('expires_at', '>', p.now).where('last_active_at', '>', p.now - 1000));
    await expect(derived.rows(t.db.kysely, { now: 5000 })).rejects.toThrow(/test\.derived: parameter 2 is computed from a value/);
    const concatenated = queryTemplate('test.concat', ['email'], (db, p: { email: string }) => db.selectFrom('users').select('id').where('email', '=', `${p.email}.invalid`));
    await expect(concatenated.rows(t.db.kysely, { email })).rejects.toThrow(/computed from a value/);
  });

  it('refuses SQL that depends on a value, and a value that never reaches a parameter', async () => {
    const shaped = queryTemplate('test.shaped', ['column'], (db, p: { column: string }) => db.selectFrom('users').select(sql.ref<string>(p.column).as('c')));
    await expect(shaped.rows(t.db.kysely, { column: 'email' })).rejects.toThrow(/test\.shaped: its SQL depends on its values/);
    const unused = queryTemplate('test.unused', ['id', 'extra'], (db, p: { id: string; extra: string }) => db.selectFrom('users').select('id').where('id', '=', p.id));
    await expect(unused.rows(t.db.kysely, { id: userId, extra: 'x' })).rejects.toThrow(/test\.unused: extra never reach a parameter/);
  });

  it('refuses a key it does not declare, and an undefined value', async () => {
    const undeclared = queryTemplate('test.undeclared', ['id'], (db, p: { id: string; email: string }) => db.selectFrom('users').select('id').where('id', '=', p.id).where('email', '=', p.email));
    // The build reads a key the list lacks (the caller gives only the declared one).
    await expect(undeclared.rows(t.db.kysely, { id: userId } as { id: string; email: string })).rejects.toThrow(/test\.undeclared: it reads "email"/);
    await expect(byEmail.rows(t.db.kysely, { email: undefined as unknown as string })).rejects.toThrow(/test\.byEmail: email is undefined/);
    // An insert whose key list forgot a column the caller has would leave that column out silently.
    const forgetful = queryTemplate('test.forgetful', ['id', 'name'], (db, p: { id: string; name: string; email: string }) => db.updateTable('users').set({ name: p.name }).where('id', '=', p.id));
    await expect(forgetful.changed(t.db.kysely, { id: userId, name: 'Never Written', email })).rejects.toThrow(/test\.forgetful: it is given email, which is not one of its keys/);
    const row = await t.db.kysely.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row.name).not.toBe('Never Written');
  });

  it('writes several security events in one statement, in order, beyond one template’s rows', async () => {
    const meta = { ip: '203.0.113.9', userAgent: 'template-test' };
    const events = Array.from({ length: 11 }, (_, i) => ({ type: 'session_evicted' as const, userId, actor: null, target: { id: userId, email }, meta, at: 1_000_000 + i }));
    await recordEvents(t.db.kysely, events);
    const rows = await t.db.kysely.selectFrom('security_events').selectAll().where('user_agent', '=', 'template-test').orderBy('seq').execute();
    expect(rows.map((r) => r.at)).toEqual(events.map((e) => e.at));
    expect(new Set(rows.map((r) => r.id)).size).toBe(11);
    expect(rows[0]).toMatchObject({ type: 'session_evicted', user_id: userId, ip: '203.0.113.9', actor_id: null, actor_email: null, target_id: userId, target_email: email, provider: null });
  });
});
