import type { Executor } from '../db/database.js';
import type { SecurityEventRow } from '../db/schema.js';
import { newId } from '../crypto/random.js';
import { queryTemplate, type QueryTemplate } from '../db/template.js';
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

const EVENT_COLUMNS = ['id', 'type', 'at', 'user_id', 'ip', 'user_agent', 'actor_id', 'actor_email', 'target_id', 'target_email', 'provider'] as const;
type EventRow = Omit<SecurityEventRow, 'seq'>;

/** Rows per INSERT at most: a login writes one or two (its evictions and its success). */
const EVENTS_PER_INSERT = 8;

function eventRow(e: EventInput): EventRow {
  return {
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
  };
}

type EventColumn = (typeof EVENT_COLUMNS)[number];

/** Row r's value of column c among an INSERT template's parameters. */
function eventKey(c: EventColumn, r: number): string {
  return `${c}_${String(r)}`;
}

const insertEventsByRows = new Map<number, QueryTemplate<Readonly<Record<string, unknown>>, unknown>>();

/** The INSERT of n rows, built once per row count (src/db/template.ts). */
function insertEvents(n: number): QueryTemplate<Readonly<Record<string, unknown>>, unknown> {
  let insert = insertEventsByRows.get(n);
  if (insert === undefined) {
    const rows = Array.from({ length: n }, (_, r) => r);
    insert = queryTemplate(`insertEvents${String(n)}`, rows.flatMap((r) => EVENT_COLUMNS.map((c) => eventKey(c, r))), (db, p) =>
      db.insertInto('security_events').values(rows.map((r) => Object.fromEntries(EVENT_COLUMNS.map((c) => [c, p[eventKey(c, r)]])) as EventRow)),
    );
    insertEventsByRows.set(n, insert);
  }
  return insert;
}

/** Several events in one INSERT (a login's evictions and its success are one write, in its transaction). */
export async function recordEvents(db: Executor, events: readonly EventInput[]): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_INSERT) {
    const chunk = events.slice(start, start + EVENTS_PER_INSERT);
    const values = Object.fromEntries(
      chunk.flatMap((e, r) => {
        const row = eventRow(e);
        return EVENT_COLUMNS.map((c) => [eventKey(c, r), row[c]]);
      }),
    );
    await insertEvents(chunk.length).changed(db, values);
  }
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
