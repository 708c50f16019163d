import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Services } from '../services.js';
import { recordEvent } from '../events/security-events.js';
import { revokeSessionById } from '../session/sessions.js';
import { cookieNames } from '../session/cookies.js';
import type { RequestBridge } from './bridge.js';

/**
 * RP-initiated logout that the user confirmed ("sign me out") ends their Gatehouse session too, and
 * with it every grant made in it. Only when that session belongs to the account being signed out:
 * oidc-provider also passes here when a different user signs in over an old OIDC session.
 */
export async function endGatehouseSession(s: Services, bridge: RequestBridge, ctx: KoaContextWithOIDC, accountId: string): Promise<void> {
  const auth = await bridge.session(ctx.req);
  if (auth === null || auth.user.id !== accountId) return;
  const now = s.clock.now();
  await revokeSessionById(s.db.kysely, auth.sessionId, now, 'signed_out');
  const party = { id: auth.user.id, email: auth.user.email };
  await recordEvent(s.db.kysely, { type: 'logout', userId: auth.user.id, actor: party, target: party, meta: { ip: ctx.ip, userAgent: ctx.get('user-agent') || null }, at: now });
  const names = cookieNames(s.config);
  const attributes = `Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax${s.config.https ? '; Secure' : ''}`;
  ctx.append('Set-Cookie', [`${names.session}=; ${attributes}; HttpOnly`, `${names.csrf}=; ${attributes}`]);
}
