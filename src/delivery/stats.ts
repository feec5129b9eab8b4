import type pg from 'pg';
import type { DeliveryKind, DeliveryStatus } from './status.ts';
import {
  countByEditionAndStatus,
  countByKindAndStatus,
  countEditionDueNow,
  countSentSince,
  deliveriesOfSubscriber,
  editionProgress,
  measureDueQueue,
  type SubscriberDelivery,
} from './store.ts';

export type { SubscriberDelivery };

/** Rows of the ledger by kind and status: the admin API and the metrics. */
export function countDeliveries(
  pool: pg.Pool,
): Promise<Array<{ kind: DeliveryKind; status: DeliveryStatus; count: number }>> {
  return countByKindAndStatus(pool);
}

export interface EditionStatus {
  byStatus: Partial<Record<DeliveryStatus, number>>;
  nextDue: Date | null;
}

/** An edition's deliveries by status, and when the next waiting one is due. */
export async function editionStatus(pool: pg.Pool, editionId: number): Promise<EditionStatus> {
  const rows = await editionProgress(pool, { editionId });
  return {
    byStatus: Object.fromEntries(rows.map((row) => [row.status, row.count])),
    nextDue: rows.find((row) => row.nextDue)?.nextDue ?? null,
  };
}

/** An edition's deliveries a sender would claim now: due, or with a lease run out. */
export function countDueNow(pool: pg.Pool, editionId: number): Promise<number> {
  return countEditionDueNow(pool, { editionId });
}

/** Every mail of one subscriber, newest first. */
export function deliveriesOf(pool: pg.Pool, subscriberId: string): Promise<SubscriberDelivery[]> {
  return deliveriesOfSubscriber(pool, { subscriberId });
}

/** Deliveries by status for each of the given editions. */
export async function countByEdition(
  pool: pg.Pool,
  editionIds: number[],
): Promise<Map<number, Partial<Record<DeliveryStatus, number>>>> {
  const counts = new Map<number, Partial<Record<DeliveryStatus, number>>>();
  for (const row of await countByEditionAndStatus(pool, { editionIds })) {
    counts.set(row.editionId, { ...counts.get(row.editionId), [row.status]: row.count });
  }
  return counts;
}

/** Mail sent by every process in the last `seconds`. */
export function sentInLast(pool: pg.Pool, seconds: number): Promise<number> {
  return countSentSince(pool, { seconds });
}

/** Deliveries due and not yet taken, and the age in seconds of the oldest. */
export function dueQueue(pool: pg.Pool): Promise<{ depth: number; oldestSeconds: number }> {
  return measureDueQueue(pool);
}
