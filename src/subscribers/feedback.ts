import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import * as store from './store.ts';

/**
 * What a reader taught their digest from the mail: "more like this" (1) and "less like this" (-1)
 * on papers, and the authors they follow. The digest room learns their ranking from it.
 */
export type { ReaderFeedback, Signal, SignalledPaper } from './store.ts';

/** The longest author name a follow keeps (the column's limit). */
export const MAX_AUTHOR_LENGTH = 200;

/** "Reset what Paperboy learned": every signal and follow goes; the ranking is trending again. */
export async function forgetFeedback(pool: pg.Pool, subscriberId: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await store.forgetSignals(client, { subscriberId });
    await store.forgetFollows(client, { subscriberId });
    await store.forgetOrganisations(client, { subscriberId });
    await store.clearLearned(client, { subscriberId });
  });
}
