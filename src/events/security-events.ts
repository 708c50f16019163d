import type { Executor } from '../db/database.js';
import type { SecurityEventRow } from '../db/schema.js';
import { newId } from '../crypto/random.js';
import type { SecurityEventType } from './event-types.js';

export type { SecurityEventType } from './event-types.js';

export interface Party {
  readonly id: string;
  readonly email: string;
}

export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface EventInput {
  readonly type: SecurityEventType;
  /** Whose security log this entry belongs to (null: admins only). */
  readonly userId: string | null;
  readonly actor: Party | null;
  readonly target: Party | null;
  readonly meta: RequestMeta;
  readonly at: number;
  /** The external provider a sign-in went through, or the provider of a linked/unlinked identity. */
  readonly provider?: string;
}

export async function recordEvent(db: Executor, e: EventInput): Promise<void> {
  await recordEvents(db, [e]);
}

/** Several events in one INSERT (a login's evictions and its success are one write, in its transaction). */
export async function recordEvents(db: Executor, events: readonly EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('security_events')
    .values(
      events.map((e) => ({
        id: newId(),
        type: e.type,
        at: e.at,
        user_id: e.userId,
        ip: e.meta.ip,
        user_agent: e.meta.userAgent,
        actor_id: e.actor?.id ?? null,
        actor_email: e.actor?.email ?? null,
        target_id: e.target?.id ?? null,
        target_email: e.target?.email ?? null,
        provider: e.provider ?? null,
      })),
    )
    .execute();
}

export interface SecurityEventView {
  id: string;
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
  actor: Party | null;
  target: Party | null;
  /** Only on events about an external provider (a sign-in through it, a link or unlink): the contract's shape stays as is for the rest. */
  provider?: string;
}

export function toEventView(r: SecurityEventRow): SecurityEventView {
  return {
    id: r.id,
    type: r.type,
    at: new Date(r.at).toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    actor: r.actor_id !== null && r.actor_email !== null ? { id: r.actor_id, email: r.actor_email } : null,
    target: r.target_id !== null && r.target_email !== null ? { id: r.target_id, email: r.target_email } : null,
    ...(r.provider === null ? {} : { provider: r.provider }),
  };
}

export async function listUserEvents(db: Executor, userId: string, limit: number): Promise<SecurityEventView[]> {
  const rows = await db
    .selectFrom('security_events')
    .selectAll()
    // Each event is stored once, in the log of the account it concerns; its actor sees it too.
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('actor_id', '=', userId)]))
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toEventView);
}

export interface EventSearch {
  readonly userId: string | undefined;
  readonly type: string | undefined;
  readonly page: number;
  readonly pageSize: number;
}

export async function searchEvents(db: Executor, q: EventSearch): Promise<{ events: SecurityEventView[]; total: number }> {
  let base = db.selectFrom('security_events');
  if (q.userId !== undefined) {
    const uid = q.userId;
    base = base.where((eb) => eb.or([eb('user_id', '=', uid), eb('actor_id', '=', uid), eb('target_id', '=', uid)]));
  }
  if (q.type !== undefined) base = base.where('type', '=', q.type);
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const rows = await base
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize)
    .execute();
  return { events: rows.map(toEventView), total: totalRow?.n ?? 0 };
}
