import type pg from 'pg';
import { deliveryQueries as sql } from './queries.ts';
import type { DeliveryKind, DeliveryStatus } from './status.ts';

/** Rows of the ledger by kind and status: the admin API and the metrics. */
export async function countDeliveries(
  pool: pg.Pool,
): Promise<Array<{ kind: DeliveryKind; status: DeliveryStatus; count: number }>> {
  const { rows } = await pool.query<{ kind: DeliveryKind; status: DeliveryStatus; count: number }>(
    sql.countByKindAndStatus,
  );
  return rows;
}

export interface EditionStatus {
  byStatus: Partial<Record<DeliveryStatus, number>>;
  nextDue: Date | null;
}

/** An edition's deliveries by status, and when the next waiting one is due. */
export async function editionStatus(pool: pg.Pool, editionId: number): Promise<EditionStatus> {
  const { rows } = await pool.query<{ status: DeliveryStatus; count: number; next_due: Date | null }>(
    sql.editionProgress,
    [editionId],
  );
  return {
    byStatus: Object.fromEntries(rows.map((row) => [row.status, row.count])),
    nextDue: rows.find((row) => row.next_due)?.next_due ?? null,
  };
}

/** An edition's deliveries a sender would claim now: due, or with a lease run out. */
export async function countDueNow(pool: pg.Pool, editionId: number): Promise<number> {
  const { rows } = await pool.query<{ count: number }>(sql.editionDueNow, [editionId]);
  return rows[0]?.count ?? 0;
}

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
export async function deliveriesOf(pool: pg.Pool, subscriberId: string): Promise<SubscriberDelivery[]> {
  const { rows } = await pool.query<{
    id: string;
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
  }>(sql.deliveriesOf, [subscriberId]);
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

/** Deliveries by status for each of the given editions. */
export async function countByEdition(
  pool: pg.Pool,
  editionIds: number[],
): Promise<Map<number, Partial<Record<DeliveryStatus, number>>>> {
  const { rows } = await pool.query<{ edition_id: string; status: DeliveryStatus; count: number }>(
    sql.countByEdition,
    [editionIds],
  );
  const counts = new Map<number, Partial<Record<DeliveryStatus, number>>>();
  for (const row of rows) {
    const id = Number(row.edition_id);
    counts.set(id, { ...counts.get(id), [row.status]: row.count });
  }
  return counts;
}

/** Mail sent by every process in the last `seconds`. */
export async function sentInLast(pool: pg.Pool, seconds: number): Promise<number> {
  const { rows } = await pool.query<{ count: number }>(sql.sentSince, [seconds]);
  return rows[0]?.count ?? 0;
}

/** Deliveries due and not yet taken, and the age in seconds of the oldest. */
export async function dueQueue(pool: pg.Pool): Promise<{ depth: number; oldestSeconds: number }> {
  const { rows } = await pool.query<{ depth: number; oldest_seconds: number }>(sql.dueQueue);
  return { depth: rows[0]?.depth ?? 0, oldestSeconds: rows[0]?.oldest_seconds ?? 0 };
}
