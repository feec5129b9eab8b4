import type pg from 'pg';

/** A pool or a client inside a transaction: named queries accept either. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Runs fn inside BEGIN … COMMIT on one client, rolling back on any error.
 *
 * Everything fn does must go through the client it is given: on the embedded database the
 * socket serialises transactions, so a query on another connection would wait forever.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
