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
