import type { Queryable } from '../db/transaction.ts';
import { type ClaimedDelivery, type ClaimedRow, toClaimedDelivery } from './claimed.ts';
import { deliveryQueries as sql } from './queries.ts';

/**
 * The delivery room's hot statements as typed functions, `(db, {named params}) => rows`: the
 * sender, the recorder and the pacer call these, never the SQL strings, so a statement and its
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

/** The delivery statements bound to a pool (or a transaction's client): what the sender is handed. */
export interface DeliveryStore {
  claimDue(p: ClaimParams): Promise<ClaimedDelivery[]>;
  renewLeases(p: { leases: readonly Lease[]; leaseSeconds: number }): Promise<Set<number>>;
  releaseLeases(p: { leases: readonly Lease[] }): Promise<Set<number>>;
}

export function deliveryStore(db: Queryable): DeliveryStore {
  return {
    claimDue: (p) => claimDue(db, p),
    renewLeases: (p) => renewLeases(db, p),
    releaseLeases: (p) => releaseLeases(db, p),
  };
}
