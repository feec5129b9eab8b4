import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import type { Organisation } from '../papers/paper.ts';
import { subscriberQueries as sql } from './queries.ts';

/**
 * What a reader taught their digest from the mail: "more like this" (1) and "less like this" (-1)
 * on papers, and the authors they follow. The digest room learns their ranking from it.
 */
export type Signal = 1 | -1;

export interface SignalledPaper {
  arxivId: string;
  signal: Signal;
  at: Date;
  title: string;
  abstract: string;
  aiKeywords: string[];
}

export interface ReaderFeedback {
  signals: SignalledPaper[];
  /** Author names exactly as the API gives them. */
  follows: string[];
  /** Organisations followed, keyed by the API's `name`; absent when none. */
  organisations?: Organisation[];
}

/** The longest author name a follow keeps (the column's limit). */
export const MAX_AUTHOR_LENGTH = 200;

export async function recordSignal(pool: pg.Pool, subscriberId: string, arxivId: string, signal: Signal) {
  await pool.query(sql.recordSignal, [subscriberId, arxivId, signal]);
}

export async function removeSignal(pool: pg.Pool, subscriberId: string, arxivId: string): Promise<boolean> {
  return ((await pool.query(sql.removeSignal, [subscriberId, arxivId])).rowCount ?? 0) > 0;
}

export async function followAuthor(pool: pg.Pool, subscriberId: string, author: string) {
  await pool.query(sql.follow, [subscriberId, author]);
}

export async function unfollowAuthor(pool: pg.Pool, subscriberId: string, author: string): Promise<boolean> {
  return ((await pool.query(sql.unfollow, [subscriberId, author])).rowCount ?? 0) > 0;
}

/** Follows the organisation of a paper, as stored with it (the API's `name` and `fullname`). */
export async function followOrganisation(pool: pg.Pool, subscriberId: string, organisation: Organisation) {
  await pool.query(sql.followOrganisation, [subscriberId, organisation.name, organisation.fullname]);
}

export async function unfollowOrganisation(
  pool: pg.Pool,
  subscriberId: string,
  name: string,
): Promise<boolean> {
  return ((await pool.query(sql.unfollowOrganisation, [subscriberId, name])).rowCount ?? 0) > 0;
}

/** "Reset what Paperboy learned": every signal and follow goes; the ranking is trending again. */
export async function forgetFeedback(pool: pg.Pool, subscriberId: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(sql.forgetSignals, [subscriberId]);
    await client.query(sql.forgetFollows, [subscriberId]);
    await client.query(sql.forgetOrganisations, [subscriberId]);
    await client.query(sql.clearLearned, [subscriberId]);
  });
}

export async function feedbackOf(pool: pg.Pool, subscriberId: string): Promise<ReaderFeedback> {
  const { rows } = await pool.query<{
    signals: Array<Omit<SignalledPaper, 'at'> & { at: string }>;
    follows: string[];
    organisations: Organisation[];
  }>(sql.feedbackOf, [subscriberId]);
  const row = rows[0] ?? { signals: [], follows: [], organisations: [] };
  return {
    signals: row.signals.map((signal) => ({ ...signal, at: new Date(signal.at) })),
    follows: row.follows,
    organisations: row.organisations,
  };
}
