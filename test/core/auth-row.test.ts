import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUST_WAIT, type Db } from '../../src/db/database.js';
import { AUTH_ROW_COLUMNS, authRowFromTuple, authRowStatement, type AuthRow } from '../../src/session/auth-row.js';
import { buildTestApp, registerUser, TEST_DIALECT, type TestApp } from '../helpers/app.js';

/**
 * The auth row travels from the driver as an array (session 5, issue 16) and `authRowFromTuple`
 * names its values by position. A wrong index would hand one column's value to another field, so
 * the mapping, the statement's own column list and both ways of running it are pinned here.
 */
describe('the auth row as a tuple', () => {
  let t: TestApp;
  let sessionId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    const { agent } = await registerUser(t);
    sessionId = (await agent.get('/api/auth/me')).json<{ session: { id: string } }>().session.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('maps every position to the field of the same name', () => {
    // Fed its own column names, each field must come back holding its own name.
    const row = authRowFromTuple(AUTH_ROW_COLUMNS) as unknown as Record<string, unknown>;
    expect(Object.keys(row)).toEqual([...AUTH_ROW_COLUMNS]);
    for (const column of AUTH_ROW_COLUMNS) expect(row[column]).toBe(column);
  });

  it('gives the session, its user and organization, and no impersonator', async () => {
    const row = await authRowStatement(t.db).run([sessionId]);
    const session = await t.db.kysely.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    const user = await t.db.kysely.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirstOrThrow();
    const membership = await t.db.kysely.selectFrom('memberships').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject<Partial<AuthRow>>({
      session_id: sessionId,
      user_id: user.id,
      created_at: session.created_at,
      last_active_at: session.last_active_at,
      expires_at: session.expires_at,
      revoked_at: null,
      impersonator_id: null,
      email: user.email,
      name: user.name,
      role: 'user',
      disabled: 0,
      email_verified: 0,
      user_created_at: user.created_at,
      org_id: membership.org_id,
      org_role: 'owner',
      has_mfa: 0,
      imp_email: null,
      imp_session_expires_at: null,
    });
    expect(await authRowStatement(t.db).run(['no-such-session'])).toBeUndefined();
  });

  it('is the same row whether the driver answers at once or the read queues behind a transaction', async () => {
    const statement = authRowStatement(t.db);
    const direct = await statement.run([sessionId]);
    expect(direct?.session_id).toBe(sessionId);
    if (TEST_DIALECT === 'postgres') {
      // node-postgres always answers later: the synchronous path never applies.
      expect(statement.now([sessionId])).toBe(MUST_WAIT);
      return;
    }
    expect(statement.now([sessionId])).toEqual(direct);
    const queued = await readDuringTransaction(t.db, () => {
      // Inside another request's transaction a direct read could see uncommitted writes.
      expect(statement.now([sessionId])).toBe(MUST_WAIT);
      return statement.run([sessionId]);
    });
    expect(queued).toEqual(direct);
  });
});

/** Starts `read` while a transaction holds SQLite's one connection, then lets the transaction end. */
async function readDuringTransaction<R>(db: Db, read: () => Promise<R>): Promise<R> {
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const trx = db.kysely.transaction().execute(async (trx) => {
    await trx.selectFrom('users').select('id').limit(1).execute();
    entered();
    await gate;
  });
  await inside;
  const pending = read();
  release();
  await trx;
  return pending;
}
