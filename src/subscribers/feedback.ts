import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import type { Organisation } from '../papers/paper.ts';
import type { ReaderFeedback, Signal, SignalledPaper } from './store.ts';
import * as store from './store.ts';

/**
 * What a reader taught their digest from the mail: "more like this" (1) and "less like this" (-1)
 * on papers, and the authors they follow. The digest room learns their ranking from it.
 */
export type { ReaderFeedback, Signal, SignalledPaper };

/** The longest author name a follow keeps (the column's limit). */
export const MAX_AUTHOR_LENGTH = 200;

export async function recordSignal(pool: pg.Pool, subscriberId: string, arxivId: string, signal: Signal) {
  await store.recordSignal(pool, { subscriberId, arxivId, signal });
}

export async function removeSignal(pool: pg.Pool, subscriberId: string, arxivId: string): Promise<boolean> {
  return store.removeSignal(pool, { subscriberId, arxivId });
}

export async function followAuthor(pool: pg.Pool, subscriberId: string, author: string) {
  await store.follow(pool, { subscriberId, author });
}

export async function unfollowAuthor(pool: pg.Pool, subscriberId: string, author: string): Promise<boolean> {
  return store.unfollow(pool, { subscriberId, author });
}

/** Follows the organisation of a paper, as stored with it (the API's `name` and `fullname`). */
export async function followOrganisation(pool: pg.Pool, subscriberId: string, organisation: Organisation) {
  await store.followOrganisation(pool, { subscriberId, organisation });
}

export async function unfollowOrganisation(
  pool: pg.Pool,
  subscriberId: string,
  name: string,
): Promise<boolean> {
  return store.unfollowOrganisation(pool, { subscriberId, name });
}

/** "Reset what Paperboy learned": every signal and follow goes; the ranking is trending again. */
export async function forgetFeedback(pool: pg.Pool, subscriberId: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await store.forgetSignals(client, { subscriberId });
    await store.forgetFollows(client, { subscriberId });
    await store.forgetOrganisations(client, { subscriberId });
    await store.clearLearned(client, { subscriberId });
  });
}

export function feedbackOf(pool: pg.Pool, subscriberId: string): Promise<ReaderFeedback> {
  return store.feedbackOf(pool, { subscriberId });
}
