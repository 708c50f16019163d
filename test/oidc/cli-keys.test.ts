import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { openDatabase, type Db } from '../../src/db/database.js';
import { hashSecret } from '../../src/oidc/clients.js';
import { oidcDb } from '../../src/oidc/tables.js';
import { RETIRED_KEY_RETENTION_MS, rotateSigningKeys } from '../../src/oidc/keys.js';
import { KEY_CHECK_INTERVAL_MS } from '../../src/oidc/mount.js';
import { createTestClock } from '../../src/clock.js';
import { buildTestApp, registerUser, TEST_DIALECT, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { runCli, tempDir } from '../ops/processes.js';
import { relyingParty, signInWith } from './support.js';

const FAKE_SECRET = 'fake-oidc-cli-test-secret-0123456789-abcdefghijklmnop';

const opened: Db[] = [];
let t: TestApp | undefined;
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
  await t?.close();
  t = undefined;
});

describe.skipIf(TEST_DIALECT !== 'sqlite')('cli: oidc-client and oidc-keys', () => {
  it('adds a confidential client (secret printed once, stored hashed), lists and removes it', async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, SESSION_SECRET: FAKE_SECRET };
    const added = await runCli(['oidc-client', 'add', '--name', 'Wiki', '--redirect-uri', 'https://wiki.example/cb', '--redirect-uri', 'https://wiki.example/cb2'], { env, cwd: dir });
    expect(added.code, added.stderr).toBe(0);
    const clientId = /client_id: (\S+)/.exec(added.stdout)?.[1] ?? '';
    const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1] ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const db = openDatabase(env.DATABASE_URL);
    opened.push(db);
    const row = await oidcDb(db).selectFrom('oidc_clients').selectAll().where('id', '=', clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret);

    const pub = await runCli(['oidc-client', 'add', '--name', 'SPA', '--redirect-uri', 'http://localhost:5173/cb', '--public', '--first-party'], { env, cwd: dir });
    expect(pub.stdout).not.toContain('client_secret');
    const list = await runCli(['oidc-client', 'list'], { env, cwd: dir });
    expect(list.stdout).toContain(`${clientId}  Wiki  confidential`);
    expect(list.stdout).toContain('SPA  public first-party');
    expect(list.stdout).not.toContain(secret);

    expect((await runCli(['oidc-client', 'add', '--name', 'Bad', '--redirect-uri', 'https://x.example/cb#frag'], { env, cwd: dir })).code).toBe(2);
    expect((await runCli(['oidc-client', 'remove', clientId], { env, cwd: dir })).code).toBe(0);
    expect((await runCli(['oidc-client', 'list'], { env, cwd: dir })).stdout).not.toContain(clientId);
    expect((await runCli(['oidc-client', 'remove', clientId], { env, cwd: dir })).code).toBe(1);

    const rotated = await runCli(['oidc-keys', 'rotate'], { env, cwd: dir });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/new ES256 key/);
    expect(rotated.stdout).toMatch(/new RS256 key/);
  });
});

describe('OpenID Connect signing keys', () => {
  it('are made at first start and kept sealed; a rotation is picked up, and the old key stays published until its tokens expired', async () => {
    // The user stays signed in across the retention period (past the default idle timeout).
    t = await buildTestApp({ clock: createTestClock(Date.now()), env: { SESSION_IDLE_TTL: '3d' } });
    const app = t;
    const rows = await oidcDb(app.db).selectFrom('oidc_keys').selectAll().execute();
    expect(rows.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const r of rows) expect(r.private_jwk).not.toContain('"d"');
    const user = await registerUser(app);
    const rp = await relyingParty(app, { firstParty: true });
    const rs = await relyingParty(app, { firstParty: true, idTokenAlg: 'RS256' });
    const before = decodeProtectedHeader((await signInWith(user.agent, rp)).id_token ?? '');
    expect(decodeProtectedHeader((await signInWith(user.agent, rs)).id_token ?? '').alg).toBe('RS256');

    const rotation = await rotateSigningKeys(app.db, TEST_SECRET, app.clock.now());
    app.clock.advance(KEY_CHECK_INTERVAL_MS);
    const after = decodeProtectedHeader((await signInWith(user.agent, rp)).id_token ?? '');
    expect(after.kid).not.toBe(before.kid);
    expect(rotation.added.map((k) => k.kid)).toContain(after.kid);
    const kids = (await app.app.inject({ url: '/oidc/jwks' })).json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([before.kid, after.kid]));

    app.clock.advance(RETIRED_KEY_RETENTION_MS);
    await signInWith(user.agent, rp);
    const later = (await app.app.inject({ url: '/oidc/jwks' })).json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    expect(later).not.toContain(before.kid);
    expect(later).toContain(after.kid);
  });
});

describe('OpenID Connect signing keys and SESSION_SECRET rotation', () => {
  it('retired keys no configured secret opens leave the JWKS; an active one that none opens fails loudly', async () => {
    const { openDatabase: open } = await import('../../src/db/database.js');
    const { migrateToLatest } = await import('../../src/db/migrations.js');
    const { ensureSigningKeys, loadKeySet } = await import('../../src/oidc/keys.js');
    const db = open('sqlite::memory:');
    opened.push(db);
    await migrateToLatest(db);
    const now = Date.now();
    await ensureSigningKeys(db, 'old-secret-0123456789-0123456789-0123456789', now);
    await rotateSigningKeys(db, 'new-secret-0123456789-0123456789-0123456789', now);
    const set = await loadKeySet(db, ['new-secret-0123456789-0123456789-0123456789'], now);
    expect(set.keys).toHaveLength(2);
    await expect(loadKeySet(db, ['another-secret-0123456789-0123456789-0123'], now)).rejects.toThrow(/SESSION_SECRET/);
  });

  it('a key only SESSION_SECRET_PREVIOUS opens is sealed again with the current secret when loaded, so dropping the previous secret is safe', async () => {
    const { openDatabase: open } = await import('../../src/db/database.js');
    const { migrateToLatest } = await import('../../src/db/migrations.js');
    const { ensureSigningKeys, loadKeySet } = await import('../../src/oidc/keys.js');
    const OLD = 'old-secret-0123456789-0123456789-0123456789';
    const NEW = 'new-secret-0123456789-0123456789-0123456789';
    const db = open('sqlite::memory:');
    opened.push(db);
    await migrateToLatest(db);
    const now = Date.now();
    await ensureSigningKeys(db, OLD, now);
    const sealedBefore = await oidcDb(db).selectFrom('oidc_keys').select(['kid', 'private_jwk']).orderBy('kid').execute();
    await expect(loadKeySet(db, [NEW], now)).rejects.toThrow(/SESSION_SECRET/);
    // Loaded with the current secret first (the new one) and the previous one after it.
    const during = await loadKeySet(db, [NEW, OLD], now);
    const sealedAfter = await oidcDb(db).selectFrom('oidc_keys').select(['kid', 'private_jwk']).orderBy('kid').execute();
    expect(sealedAfter.map((r) => r.kid)).toEqual(sealedBefore.map((r) => r.kid));
    for (const [i, r] of sealedAfter.entries()) expect(r.private_jwk).not.toBe(sealedBefore[i]?.private_jwk);
    const finished = await loadKeySet(db, [NEW], now);
    expect(finished.keys.map((k) => k.kid).sort()).toEqual(during.keys.map((k) => k.kid).sort());
    expect(finished.keys.map((k) => k.d)).toEqual(during.keys.map((k) => k.d));
    // Keys already under the current secret are left alone (no write on every load).
    await loadKeySet(db, [NEW, OLD], now);
    expect(await oidcDb(db).selectFrom('oidc_keys').select(['kid', 'private_jwk']).orderBy('kid').execute()).toEqual(sealedAfter);
  });
});
