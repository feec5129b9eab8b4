import type pg from 'pg';
import { isDatabaseUnavailable } from './unavailable.ts';

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
  // A checked-out client whose connection drops emits 'error'; with no listener that would end
  // the process. The query under way fails with the same error, which is what callers see.
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    lost ??= isDatabaseUnavailable(error) ? (error as Error) : undefined;
    throw error;
  } finally {
    client.off('error', onLost);
    // a broken connection is closed, not handed to the next caller
    client.release(lost);
  }
}
