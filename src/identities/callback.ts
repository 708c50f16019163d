import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import type { OauthState } from '../db/schema.js';
import { AppError } from '../errors.js';
import { metaOf } from '../http/request-meta.js';
import { presentedSessionId, startSession } from '../session/issue.js';
import { beginSecondFactor } from '../mfa/begin.js';
import type { ProviderClients } from './clients.js';
import type { ProviderConfig } from './provider-config.js';
import { OauthError } from './outcomes.js';
import { linkIdentity, resolveSignIn } from './accounts.js';
import { clearStateCookie, consumeState, readStateCookie } from './states.js';

/** Where a failed step lands: the sign-in page, or the profile page (/) for a link, with a stable code. */
function errorTarget(mode: 'signin' | 'link', code: string): string {
  return `${mode === 'link' ? '/' : '/sign-in'}?error=${encodeURIComponent(code)}`;
}

function queryOf(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : request.url.slice(i + 1));
}

/** A link finishes only in the very session that started it, while it is still alive. */
async function linkingSessionAlive(s: Services, request: FastifyRequest, row: OauthState): Promise<boolean> {
  if (row.session_id === null || row.user_id === null) return false;
  if ((await presentedSessionId(s, request)) !== row.session_id) return false;
  const session = await s.db.kysely
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id'])
    .where('sessions.id', '=', row.session_id)
    .where('sessions.user_id', '=', row.user_id)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', s.clock.now())
    .where('users.disabled', '=', 0)
    .executeTakeFirst();
  return session !== undefined;
}

async function finishSignIn(s: Services, request: FastifyRequest, reply: FastifyReply, provider: ProviderConfig, row: OauthState, user: Awaited<ReturnType<typeof resolveSignIn>>): Promise<string> {
  if (user.disabled === 1) throw new OauthError('oauth_account_inactive');
  const method = `provider:${provider.name}` as const;
  // The provider replaces the password step only: a user with a second factor still presents it.
  const pending = await beginSecondFactor(s, reply, user.id, { firstMethod: method });
  if (pending !== null) {
    const params = new URLSearchParams({ mfa: pending.methods.join(','), next: row.next });
    return `/sign-in?${params.toString()}`;
  }
  const meta = metaOf(request);
  const party = { id: user.id, email: user.email };
  const events = [{ type: 'login_succeeded', userId: user.id, actor: party, target: party, meta, at: s.clock.now(), provider: provider.name } as const];
  await startSession(s, reply, { user: party, meta, replaceSessionId: await presentedSessionId(s, request), authMethods: [method], events });
  return row.next;
}

/**
 * The provider's redirect back. Always a 302: into the web UI on success, or to a page that shows
 * the error code. The state cookie is cleared and its row consumed whatever happens (single use).
 */
export async function handleCallback(s: Services, clients: ProviderClients, request: FastifyRequest, reply: FastifyReply, name: string): Promise<string> {
  const row = await consumeState(s.db.kysely, readStateCookie(request, s.config), s.clock.now());
  clearStateCookie(reply, s.config);
  const provider = clients.provider(name);
  const mode = row?.mode ?? 'signin';
  try {
    // No cookie, an unknown/used/expired row, another provider's row, or a state that is not the
    // one this browser started: a forged or replayed callback (login CSRF), refused before any code is redeemed.
    const query = queryOf(request);
    if (row === null || provider === undefined || row.provider !== name || query.get('state') !== row.state) throw new OauthError('oauth_state');
    if (query.has('error')) throw new OauthError('oauth_provider_error');
    const callback = new URL(`${clients.callbackUrl(name)}?${query.toString()}`);
    const profile = await clients.complete(provider, callback, { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier });
    if (row.mode === 'link') {
      if (!(await linkingSessionAlive(s, request, row)) || row.user_id === null) throw new OauthError('oauth_state');
      await linkIdentity(s, row.user_id, name, profile, metaOf(request));
      return `/?linked=${encodeURIComponent(name)}`;
    }
    const user = await resolveSignIn(s, name, profile, metaOf(request));
    return await finishSignIn(s, request, reply, provider, row, user);
  } catch (e) {
    let code: string;
    if (e instanceof OauthError) code = e.code;
    else if (e instanceof AppError && e.code === 'rate_limited') code = 'oauth_rate_limited';
    else throw e;
    const cause = e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : undefined;
    request.log.warn({ provider: name, code, cause }, 'external sign-in refused');
    return errorTarget(mode, code);
  }
}
