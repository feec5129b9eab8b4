import type pg from 'pg';
import { type Queryable, withTransaction } from '../db/transaction.ts';
import type { Frequency, FrequencyRule } from '../frequency.ts';
import { countSoftBounces, resetSoftBounces, suppress } from '../subscribers/store.ts';
import type { SubscriberRow } from '../subscribers/subscriber.ts';
import { toSubscriber } from '../subscribers/subscriber.ts';
import type { ClaimedDelivery } from './claimed.ts';
import { CLAIMED_SUBSCRIBER_PREFIX, deliveryQueries as sql } from './queries.ts';
import type { DeliveryKind, DeliveryStatus } from './status.ts';

/**
 * The delivery room's statements as typed functions, `(db, {named params}) => rows`: every
 * other file of the room calls these, never the SQL strings, so a statement and its
 * parameters cannot drift apart (an untyped array once handed one parameter to a statement
 * that takes two).
 */

/** A claim on a delivery: what every write about a claimed row names. */
export interface Lease {
  id: number;
  leaseToken: string;
}

const ids = (leases: readonly Lease[]) => leases.map((lease) => lease.id);
const tokens = (leases: readonly Lease[]) => leases.map((lease) => lease.leaseToken);

async function idsOf(db: Queryable, query: string, params: unknown[]): Promise<Set<number>> {
  const { rows } = await db.query<{ id: string | number }>(query, params);
  return new Set(rows.map((row) => Number(row.id)));
}

/** A row of the claim: the delivery's columns, and the subscriber's under CLAIMED_SUBSCRIBER_PREFIX. */
interface ClaimedRow {
  id: number;
  kind: DeliveryKind;
  edition_id: number | null;
  request_id: string | null;
  attempts: number;
  local_failures: number;
  lease_token: string;
  created_at: Date;
  [subscriberColumn: string]: unknown;
}

/** Reads a claimed row back: the subscriber's columns come prefixed, beside the delivery's own. */
function toClaimedDelivery(row: ClaimedRow): ClaimedDelivery {
  const subscriber: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith(CLAIMED_SUBSCRIBER_PREFIX))
      subscriber[column.slice(CLAIMED_SUBSCRIBER_PREFIX.length)] = value;
  }
  return {
    id: row.id,
    kind: row.kind,
    editionId: row.edition_id,
    requestId: row.request_id,
    attempts: row.attempts,
    localFailures: row.local_failures,
    leaseToken: row.lease_token,
    createdAt: row.created_at,
    subscriber: toSubscriber(subscriber as unknown as SubscriberRow),
  };
}

export interface ClaimParams {
  limit: number;
  leaseSeconds: number;
  /** Ids this worker still has in flight: never taken again, even with their lease run out. */
  heldIds: number[];
  /** Whether rows whose lease ran out (another worker's) may be taken. */
  takeExpired: boolean;
  /** Only this edition's rows (`digest send`). */
  editionId?: number;
}

export async function claimDue(db: Queryable, p: ClaimParams): Promise<ClaimedDelivery[]> {
  const params: unknown[] = [p.limit, p.leaseSeconds, p.heldIds, p.takeExpired];
  const query = p.editionId === undefined ? sql.claimDue : sql.claimDueForEdition;
  if (p.editionId !== undefined) params.push(p.editionId);
  const { rows } = await db.query<ClaimedRow>(query, params);
  return rows.map(toClaimedDelivery);
}

/** Extends the leases still this worker's; returns their ids (the others were taken). */
export function renewLeases(
  db: Queryable,
  p: { leases: readonly Lease[]; leaseSeconds: number },
): Promise<Set<number>> {
  return idsOf(db, sql.renewLeases, [ids(p.leases), tokens(p.leases), p.leaseSeconds]);
}

/** Hands leases back: the rows are due again at once. Returns the ids released. */
export function releaseLeases(db: Queryable, p: { leases: readonly Lease[] }): Promise<Set<number>> {
  return idsOf(db, sql.releaseLeases, [ids(p.leases), tokens(p.leases)]);
}

export function markSent(
  db: Queryable,
  p: { sent: readonly (Lease & { messageId: string; response: string })[] },
): Promise<Set<number>> {
  return idsOf(db, sql.markSent, [
    ids(p.sent),
    tokens(p.sent),
    p.sent.map((e) => e.messageId),
    p.sent.map((e) => e.response),
  ]);
}

export function scheduleRetry(
  db: Queryable,
  p: { retries: readonly (Lease & { error: string; delaySeconds: number; relay: boolean })[] },
): Promise<Set<number>> {
  return idsOf(db, sql.scheduleRetry, [
    ids(p.retries),
    tokens(p.retries),
    p.retries.map((e) => e.error),
    p.retries.map((e) => e.delaySeconds),
    p.retries.map((e) => e.relay),
  ]);
}

export function markFailed(
  db: Queryable,
  p: { failed: readonly (Lease & { error: string; response: string | null; relay: boolean })[] },
): Promise<Set<number>> {
  return idsOf(db, sql.markFailed, [
    ids(p.failed),
    tokens(p.failed),
    p.failed.map((e) => e.error),
    p.failed.map((e) => e.response),
    p.failed.map((e) => e.relay),
  ]);
}

export function markCancelled(
  db: Queryable,
  p: { cancelled: readonly (Lease & { reason: string })[] },
): Promise<Set<number>> {
  return idsOf(db, sql.markCancelled, [
    ids(p.cancelled),
    tokens(p.cancelled),
    p.cancelled.map((e) => e.reason),
  ]);
}

/** The shared send rate's row, times in epoch ms on the database's clock. */
export interface PacerRow {
  nextAt: number;
  /** The adaptive rate (messages per second), or null: none in force. */
  rate: number | null;
  rateAt: number | null;
  throttledAt: number | null;
  /** The database's clock now. */
  now: number;
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** Reads and locks the pacer's row, inside a transaction. */
export async function lockPacer(db: Queryable): Promise<PacerRow> {
  const { rows } = await db.query(sql.lockPacer);
  const row = rows[0];
  return {
    nextAt: Number(row.next_at),
    rate: numberOrNull(row.rate),
    rateAt: numberOrNull(row.rate_at),
    throttledAt: numberOrNull(row.throttled_at),
    now: Number(row.now),
  };
}

export async function pacerRate(db: Queryable): Promise<number | null> {
  const { rows } = await db.query(sql.pacerRate);
  return numberOrNull(rows[0]?.rate);
}

export async function updatePacer(
  db: Queryable,
  p: { nextAt: number; rate: number | null; rateAt: number },
): Promise<void> {
  await db.query(sql.updatePacer, [p.nextAt, p.rate, p.rateAt]);
}

/** Lowers the shared rate after a throttling answer; the new rate, or null if lowered moments ago. */
export async function throttlePacer(
  db: Queryable,
  p: { factor: number; minRate: number; ownRate: number; onceInSeconds: number },
): Promise<number | null> {
  const { rows } = await db.query(sql.throttlePacer, [p.factor, p.minRate, p.ownRate, p.onceInSeconds]);
  return numberOrNull(rows[0]?.rate);
}

/**
 * What the recorder writes in one transaction: each delivery's outcome, and what it means for its
 * subscriber (a delivered digest ends a run of soft bounces; a failure may suppress or count one).
 */
export interface OutcomeWrites {
  markSent(p: Parameters<typeof markSent>[1]): Promise<Set<number>>;
  scheduleRetry(p: Parameters<typeof scheduleRetry>[1]): Promise<Set<number>>;
  markFailed(p: Parameters<typeof markFailed>[1]): Promise<Set<number>>;
  markCancelled(p: Parameters<typeof markCancelled>[1]): Promise<Set<number>>;
  suppress(p: Parameters<typeof suppress>[1]): Promise<void>;
  countSoftBounces(p: Parameters<typeof countSoftBounces>[1]): Promise<void>;
  resetSoftBounces(p: Parameters<typeof resetSoftBounces>[1]): Promise<void>;
}

/**
 * The statements the sender and its recorder run, bound to the pool: all they see of the
 * database (as listmonk's manager sees only a Store), so neither holds a pool or a statement.
 */
export interface DeliveryStore {
  claimDue(p: ClaimParams): Promise<ClaimedDelivery[]>;
  renewLeases(p: { leases: readonly Lease[]; leaseSeconds: number }): Promise<Set<number>>;
  releaseLeases(p: { leases: readonly Lease[] }): Promise<Set<number>>;
  /** Runs `write` in one transaction, handed the outcome statements bound to it. */
  recordOutcomes<T>(write: (tx: OutcomeWrites) => Promise<T>): Promise<T>;
}

function outcomeWrites(db: Queryable): OutcomeWrites {
  return {
    markSent: (p) => markSent(db, p),
    scheduleRetry: (p) => scheduleRetry(db, p),
    markFailed: (p) => markFailed(db, p),
    markCancelled: (p) => markCancelled(db, p),
    suppress: (p) => suppress(db, p),
    countSoftBounces: (p) => countSoftBounces(db, p),
    resetSoftBounces: (p) => resetSoftBounces(db, p),
  };
}

export function deliveryStore(pool: pg.Pool): DeliveryStore {
  return {
    claimDue: (p) => claimDue(pool, p),
    renewLeases: (p) => renewLeases(pool, p),
    releaseLeases: (p) => releaseLeases(pool, p),
    recordOutcomes: (write) => withTransaction(pool, (client) => write(outcomeWrites(client))),
  };
}

/**
 * Fan-out: adds one digest delivery per mailable subscriber of `frequency` who has none for the
 * edition yet, due on `sendDay` at their own hour, moved by the reader's day `readerDay` names.
 * `dueNow`: due at once instead. Returns the rows added.
 */
export async function addDigestDeliveries(
  db: Queryable,
  p: {
    editionId: number;
    sendDay: string;
    frequency: Frequency;
    dueNow: boolean;
    readerDay: FrequencyRule['readerDay'];
  },
): Promise<number> {
  const result = await db.query(sql.fanOut, [p.editionId, p.sendDay, p.frequency, p.dueNow, p.readerDay]);
  return result.rowCount ?? 0;
}

/** The edition's deliveries still waiting for their hour become due now. */
export async function makeEditionDueNow(db: Queryable, p: { editionId: number }): Promise<void> {
  await db.query(sql.makeEditionDueNow, [p.editionId]);
}

/** The edition's deliveries a sender would claim now: due, or with a lease run out. */
export async function countEditionDueNow(db: Queryable, p: { editionId: number }): Promise<number> {
  const { rows } = await db.query<{ count: number }>(sql.editionDueNow, [p.editionId]);
  return rows[0]?.count ?? 0;
}

/** How many of the edition's deliveries are in each status; `nextDue` only on the pending row. */
export async function editionProgress(
  db: Queryable,
  p: { editionId: number },
): Promise<Array<{ status: DeliveryStatus; count: number; nextDue: Date | null }>> {
  const { rows } = await db.query<{ status: DeliveryStatus; count: number; next_due: Date | null }>(
    sql.editionProgress,
    [p.editionId],
  );
  return rows.map((row) => ({ status: row.status, count: row.count, nextDue: row.next_due }));
}

/** The whole ledger's rows by kind and status. */
export async function countByKindAndStatus(
  db: Queryable,
): Promise<Array<{ kind: DeliveryKind; status: DeliveryStatus; count: number }>> {
  const { rows } = await db.query<{ kind: DeliveryKind; status: DeliveryStatus; count: number }>(
    sql.countByKindAndStatus,
  );
  return rows;
}

/** How many deliveries of each of the editions are in each status (no row for a count of 0). */
export async function countByEditionAndStatus(
  db: Queryable,
  p: { editionIds: number[] },
): Promise<Array<{ editionId: number; status: DeliveryStatus; count: number }>> {
  const { rows } = await db.query<{ edition_id: number; status: DeliveryStatus; count: number }>(
    sql.countByEdition,
    [p.editionIds],
  );
  return rows.map((row) => ({ editionId: Number(row.edition_id), status: row.status, count: row.count }));
}

/** One mail of a subscriber, as the console and a data export show it. */
export interface SubscriberDelivery {
  id: number;
  kind: DeliveryKind;
  /** The edition a digest is of; null for a confirmation. */
  edition: { frequency: string; day: string } | null;
  status: DeliveryStatus;
  attempts: number;
  dueAt: Date;
  sentAt: Date | null;
  messageId: string | null;
  smtpResponse: string | null;
  lastError: string | null;
  createdAt: Date;
}

/** Every mail of one subscriber, newest first. */
export async function deliveriesOfSubscriber(
  db: Queryable,
  p: { subscriberId: string },
): Promise<SubscriberDelivery[]> {
  const { rows } = await db.query<{
    id: number;
    kind: DeliveryKind;
    frequency: string | null;
    edition_day: string | null;
    status: DeliveryStatus;
    attempts: number;
    due_at: Date;
    sent_at: Date | null;
    message_id: string | null;
    smtp_response: string | null;
    last_error: string | null;
    created_at: Date;
  }>(sql.deliveriesOf, [p.subscriberId]);
  return rows.map((row) => ({
    id: Number(row.id),
    kind: row.kind,
    edition: row.frequency && row.edition_day ? { frequency: row.frequency, day: row.edition_day } : null,
    status: row.status,
    attempts: row.attempts,
    dueAt: row.due_at,
    sentAt: row.sent_at,
    messageId: row.message_id,
    smtpResponse: row.smtp_response,
    lastError: row.last_error,
    createdAt: row.created_at,
  }));
}

/** Mail sent by every process in the last `seconds`. */
export async function countSentSince(db: Queryable, p: { seconds: number }): Promise<number> {
  const { rows } = await db.query<{ count: number }>(sql.sentSince, [p.seconds]);
  return rows[0]?.count ?? 0;
}

/** Deliveries due and not yet taken, and the age in seconds of the oldest (0 when none waits). */
export async function measureDueQueue(db: Queryable): Promise<{ depth: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ depth: number; oldest_seconds: number }>(sql.dueQueue);
  return { depth: rows[0]?.depth ?? 0, oldestSeconds: rows[0]?.oldest_seconds ?? 0 };
}

/**
 * The delivery whose id and stored Message-ID both match a report's, and its subscriber:
 * undefined when either differs (a forged or stale Message-ID names nobody).
 */
export async function deliveryByMessageId(
  db: Queryable,
  p: { deliveryId: number; messageId: string },
): Promise<{ deliveryId: number; subscriberId: string } | undefined> {
  const { rows } = await db.query<{ id: number; subscriber_id: string }>(sql.subscriberByDelivery, [
    p.deliveryId,
    p.messageId,
  ]);
  const row = rows[0];
  return row ? { deliveryId: Number(row.id), subscriberId: row.subscriber_id } : undefined;
}

/** The latest mail sent to the subscriber, if any: what a soft bounce naming only the address is about. */
export async function latestSentTo(db: Queryable, p: { subscriberId: string }): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(sql.latestSentTo, [p.subscriberId]);
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}

/**
 * Marks a soft bounce of the delivery counted; true only the first time, and only for a mail
 * that was sent (one that failed was counted when it failed).
 */
export async function claimSoftBounce(db: Queryable, p: { deliveryId: number }): Promise<boolean> {
  return ((await db.query(sql.claimSoftBounce, [p.deliveryId])).rowCount ?? 0) > 0;
}

/** The Message-ID a delivery was sent under: undefined until it was, or for no such delivery. */
export async function messageIdOfDelivery(
  db: Queryable,
  p: { deliveryId: number },
): Promise<string | undefined> {
  const { rows } = await db.query<{ message_id: string | null }>(sql.messageIdOfDelivery, [p.deliveryId]);
  return rows[0]?.message_id ?? undefined;
}
