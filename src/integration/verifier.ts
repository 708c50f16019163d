import { fastifyCookie } from '@fastify/cookie';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import { openDatabase, type Db } from '../db/database.js';
import type { ErrorCode } from '../errors.js';
import { createKeyring } from '../crypto/keyring.js';
import { createLimiter } from '../rate-limit/limits.js';
import { createMemoryCounterStore } from '../rate-limit/counters.js';
import { createLogger } from '../logger.js';
import { limitsFor, type Services } from '../services.js';
import type { OrgRole } from '../account/users.js';
import type { PasswordHasher } from '../account/hasher.js';
import type { Mailer } from '../email/mailer.js';
import { checkSession } from '../session/authenticate.js';
import { cookieNames } from '../session/cookies.js';
import { requirementRefusal, type RequireSessionOptions } from './require-session.js';
import { refusal, verifyOverHttp } from './verifier-http.js';

/** What a Node backend knows about an incoming browser request. */
export interface VerifyInput {
  /** The raw `Cookie` request header. */
  readonly cookie: string | undefined;
  /** The request's method: writes need `csrfHeader` (and a same-site `origin`, when sent). */
  readonly method: string;
  /** The `X-CSRF-Token` request header. */
  readonly csrfHeader?: string | undefined;
  /** The `Origin` request header. */
  readonly origin?: string | undefined;
}

export interface VerifiedUser {
  readonly id: string;
  readonly email: string;
  readonly role: 'user' | 'admin';
  readonly orgId: string | null;
  readonly orgRole: OrgRole | null;
}

export type VerifyResult =
  | { readonly ok: true; readonly user: VerifiedUser; readonly impersonatorId: string | null }
  | { readonly ok: false; readonly status: number; readonly code: ErrorCode };

export interface Verifier {
  verifyRequest(input: VerifyInput, require?: RequireSessionOptions): Promise<VerifyResult>;
  /** Closes the database when the verifier opened it. */
  close(): Promise<void>;
}

export type VerifierOptions =
  | {
      /** Mode A: the same database and SESSION_SECRET as the Gatehouse server. */
      readonly mode: 'database';
      readonly config: Config;
      /** Default: opened from `config.databaseUrl` (and closed by `close()`). */
      readonly db?: Db;
      readonly clock?: Clock;
    }
  | {
      /** Mode B: ask a Gatehouse server (`GET /api/auth/verify`) over HTTP. */
      readonly mode: 'http';
      /** Where Gatehouse answers, including any mount prefix, e.g. `http://127.0.0.1:3000`. */
      readonly url: string;
      readonly timeoutMs?: number;
    };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Like forward auth: anything that is not GET/HEAD/OPTIONS counts as a write. */
export function methodWrites(method: string): boolean {
  return !SAFE_METHODS.has(method.trim().toUpperCase());
}

function notAvailable(): never {
  throw new Error('not available in a session verifier');
}

/**
 * checkSession needs only config, db, clock and the session keys; the rest of Services is never
 * touched by it, so the verifier does not build a mailer or a password hasher.
 */
async function checkOnlyServices(config: Config, db: Db, clock: Clock): Promise<Services> {
  const hasher: PasswordHasher = { hash: notAvailable, verify: notAvailable, verifyDummy: notAvailable };
  const mailer: Mailer = { send: notAvailable, sendLater: notAvailable, flush: () => Promise.resolve(), close: () => Promise.resolve() };
  return {
    config,
    db,
    clock,
    hasher,
    mailer,
    limiter: createLimiter(createMemoryCounterStore(), clock),
    limits: limitsFor(config),
    ...(await createKeyring(config)),
    logger: createLogger('silent'),
  };
}

async function databaseVerifier(config: Config, givenDb: Db | undefined, clock: Clock): Promise<Verifier> {
  const db = givenDb ?? openDatabase(config.databaseUrl);
  const s = await checkOnlyServices(config, db, clock);
  const names = cookieNames(config);
  return {
    async verifyRequest(input, require = {}): Promise<VerifyResult> {
      const writes = methodWrites(input.method);
      if (writes && input.origin !== undefined && input.origin !== config.publicOrigin) return refusal('csrf_failed');
      const cookies = input.cookie === undefined ? {} : fastifyCookie.parse(input.cookie);
      const result = await checkSession(s, {
        sessionCookie: cookies[names.session],
        csrf: writes ? { header: input.csrfHeader, cookie: cookies[names.csrf] } : null,
      });
      if (!result.ok) return refusal(result.code);
      const refused = requirementRefusal(result.auth, require);
      if (refused !== null) return refusal(refused);
      const { user, impersonator } = result.auth;
      return {
        ok: true,
        user: { id: user.id, email: user.email, role: user.role, orgId: user.org_id, orgRole: user.org_role },
        impersonatorId: impersonator?.id ?? null,
      };
    },
    async close(): Promise<void> {
      if (givenDb === undefined) await db.close();
    },
  };
}

/**
 * The framework-neutral check for Express, Hono, Next.js route handlers and other Node stacks:
 * the same session, CSRF, Origin, disabled-user and role rules as Gatehouse's own API.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  if (options.mode === 'database') return databaseVerifier(options.config, options.db, options.clock ?? systemClock);
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    verifyRequest: (input, require = {}) => verifyOverHttp(base, timeoutMs, input, require),
    close: () => Promise.resolve(),
  };
}
