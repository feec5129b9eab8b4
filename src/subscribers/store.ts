import type { Queryable } from '../db/transaction.ts';
// Only for the one statement that spans both rooms: subscribing ends with the mail queue's
// queueConfirmations, so a request and its confirmation mail exist together or not at all.
import { mailQueueQueries } from '../mail-queue/queries.ts';
import type { Organisation } from '../papers/paper.ts';
import type { Preferences } from './preferences.ts';
import { subscriberQueries as sql } from './queries.ts';
import { type RequestRow, type SubscriptionRequest, toRequest } from './requests.ts';
import { type Subscriber, type SubscriberRow, toSubscriber } from './subscriber.ts';

/**
 * The subscribers room's statements as typed functions, `(db, {named params}) => values`: the
 * service, the records, feedback and suppressions call these, never the SQL strings, so a
 * statement and its positional parameters are matched up in this file only.
 */

export { MAX_UNANSWERED_CONFIRMATIONS } from './queries.ts';

// The shapes of what the statements read and write, here so that this file imports nothing
// from the modules that call it; records.ts and feedback.ts export them on.

/** A status to filter by: the three of the lifecycle, and suppressed addresses apart. */
export const LISTED_STATUSES = ['pending', 'active', 'unsubscribed', 'suppressed'] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];

export interface SubscriberSummary {
  id: string;
  email: string;
  status: ListedStatus;
  pausedUntil: Date | null;
  frequency: string;
  createdAt: Date;
}

export interface HistoryEvent {
  event: string;
  detail: string | null;
  at: Date;
}

/** The statuses an import may give: people who opted in, left since, or must get no mail. */
export const IMPORTED_STATUSES = ['active', 'unsubscribed', 'suppressed'] as const;

export interface ImportRow {
  email: string;
  preferences: Preferences;
  status: (typeof IMPORTED_STATUSES)[number];
}

/** "More like this" (1) and "less like this" (-1) on a paper, from the mail (feedback.ts). */
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

export interface Suppression {
  email: string;
  suppressedAt: Date;
  reason: string | null;
  softBounces: number;
}

/** Parameters $2…$11 of the statements that write preferences (queries.ts PREFERENCE_COLUMNS). */
function preferenceParams(p: Preferences): unknown[] {
  return [
    p.frequency,
    p.weekday,
    p.keywords,
    p.keywordMode,
    p.timezone,
    p.deliveryHour,
    p.maxPapers,
    p.personalisation,
    p.mutedKeywords,
    p.monthDay,
  ];
}

const changedAny = (result: { rowCount: number | null }) => (result.rowCount ?? 0) > 0;

/** Every time zone name PostgreSQL knows. */
export async function timeZoneNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(sql.timeZoneNames);
  return rows.map((row) => row.name);
}

/** A request to subscribe, and its confirmation queued, in one statement. */
const SUBSCRIBE = `${sql.subscribe} ${mailQueueQueries.queueConfirmations}`;

/**
 * Records a request to subscribe with these preferences and queues its confirmation mail, in one
 * statement (queries.ts `subscribe` says when a known address gets neither). `named` runs it as
 * the named statement `subscribe` (Database.namedStatements): parsing and planning it cost
 * PostgreSQL more than running it.
 */
export async function subscribe(
  db: Queryable,
  p: { email: string; preferences: Preferences; addressHash: Buffer; named: boolean },
): Promise<void> {
  await db.query({
    ...(p.named ? { name: 'subscribe' } : {}),
    text: SUBSCRIBE,
    values: [p.email, ...preferenceParams(p.preferences), p.addressHash, JSON.stringify(p.preferences)],
  });
}

/**
 * The subscriber, or undefined. With `lock`, inside a transaction, the row stays locked
 * (FOR UPDATE) until it ends.
 */
export async function findById(
  db: Queryable,
  p: { id: string; lock?: boolean },
): Promise<Subscriber | undefined> {
  const { rows } = await db.query<SubscriberRow>(p.lock ? sql.lockById : sql.findById, [p.id]);
  return rows[0] ? toSubscriber(rows[0]) : undefined;
}

/** The subscriber with this address, whatever its case. */
export async function findByEmail(db: Queryable, p: { email: string }): Promise<Subscriber | undefined> {
  const { rows } = await db.query<SubscriberRow>(sql.findByEmail, [p.email]);
  return rows[0] ? toSubscriber(rows[0]) : undefined;
}

/** The id of the subscriber with this address, whatever its case. */
export async function idByEmail(db: Queryable, p: { email: string }): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(sql.idByEmail, [p.email]);
  return rows[0]?.id;
}

/** The request; with `lock`, locked until the caller's transaction ends. */
export async function findRequest(
  db: Queryable,
  p: { id: string; lock?: boolean },
): Promise<SubscriptionRequest | undefined> {
  const { rows } = await db.query<RequestRow>(p.lock ? sql.lockRequest : sql.findRequest, [p.id]);
  return rows[0] ? toRequest(rows[0]) : undefined;
}

export async function markRequestApplied(db: Queryable, p: { requestId: string }): Promise<void> {
  await db.query(sql.markRequestApplied, [p.requestId]);
}

/** A confirmation was answered: the address may be sent MAX_UNANSWERED_CONFIRMATIONS again. */
export async function confirmationAnswered(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.confirmationAnswered, [p.subscriberId]);
}

export async function activate(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.activate, [p.subscriberId]);
}

export async function updatePreferences(
  db: Queryable,
  p: { subscriberId: string; preferences: Preferences },
): Promise<void> {
  await db.query(sql.updatePreferences, [p.subscriberId, ...preferenceParams(p.preferences)]);
}

/** Also rotates the confirm nonce: confirmation mails sent before stop working. */
export async function unsubscribe(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.unsubscribe, [p.subscriberId]);
}

/** No digest until `pausedUntil`; null resumes at once. */
export async function setPausedUntil(
  db: Queryable,
  p: { subscriberId: string; pausedUntil: Date | null },
): Promise<void> {
  await db.query(sql.setPausedUntil, [p.subscriberId, p.pausedUntil]);
}

/** Subscribers per status, suppressed addresses as a status of their own. */
export async function countByStatus(db: Queryable): Promise<Array<{ status: string; count: number }>> {
  const { rows } = await db.query<{ status: string; count: number }>(sql.countByStatus);
  return rows;
}

/** Suppresses each subscriber with its reason; one already suppressed keeps its first reason. */
export async function suppress(
  db: Queryable,
  p: { suppressions: readonly { subscriberId: string; reason: string }[] },
): Promise<void> {
  if (p.suppressions.length === 0) return;
  await db.query(sql.suppress, [
    p.suppressions.map((e) => e.subscriberId),
    p.suppressions.map((e) => e.reason),
  ]);
}

/**
 * One soft bounce per id (a subscriber may appear more than once); a subscriber reaching `limit`
 * in a row is suppressed.
 */
export async function countSoftBounces(
  db: Queryable,
  p: { subscriberIds: readonly string[]; limit: number },
): Promise<void> {
  if (p.subscriberIds.length === 0) return;
  const bounces = new Map<string, number>();
  for (const id of p.subscriberIds) bounces.set(id, (bounces.get(id) ?? 0) + 1);
  await db.query(sql.countSoftBounces, [[...bounces.keys()], [...bounces.values()], p.limit]);
}

/** Delivered digests end their subscribers' runs of soft bounces. */
export async function resetSoftBounces(
  db: Queryable,
  p: { subscriberIds: readonly string[] },
): Promise<void> {
  if (p.subscriberIds.length === 0) return;
  await db.query(sql.resetSoftBounces, [p.subscriberIds]);
}

/**
 * Addresses no mail goes to: hard bounces, complaints, and SOFT_BOUNCE_LIMIT digests in a row
 * undeliverable. The sender's recorder writes these in batches with the outcomes that call for
 * them; the bounce webhook and the admin API one at a time. The suppressed addresses, most
 * recent first.
 */
export async function listSuppressions(db: Queryable, p: { limit: number }): Promise<Suppression[]> {
  const { rows } = await db.query<{
    email: string;
    suppressed_at: Date;
    suppression_reason: string | null;
    soft_bounces: number;
  }>(sql.listSuppressions, [p.limit]);
  return rows.map((row) => ({
    email: row.email,
    suppressedAt: row.suppressed_at,
    reason: row.suppression_reason,
    softBounces: row.soft_bounces,
  }));
}

/** Lifts the suppression of a subscriber's address; false if it was not suppressed. */
export async function liftSuppression(db: Queryable, p: { email: string }): Promise<boolean> {
  return changedAny(await db.query(sql.liftSuppression, [p.email]));
}

/** Suppresses a subscriber's address; false if there is no such subscriber or it was already suppressed. */
export async function suppressByEmail(db: Queryable, p: { email: string; reason: string }): Promise<boolean> {
  return changedAny(await db.query(sql.suppressByEmail, [p.email, p.reason]));
}

/**
 * Suppresses addresses that have no subscriber row, by their keyed hash (address-hash.ts).
 * Returns how many were not on the list yet.
 */
export async function suppressHashes(
  db: Queryable,
  p: { hashes: readonly { addressHash: Buffer; reason: string }[] },
): Promise<number> {
  const { rowCount } = await db.query(sql.suppressHashes, [
    p.hashes.map((e) => e.addressHash),
    p.hashes.map((e) => e.reason),
  ]);
  return rowCount ?? 0;
}

/** Keeps an erased subscriber's suppression as the hash of their address. */
export async function keepSuppressionHash(
  db: Queryable,
  p: { addressHash: Buffer; suppressedAt: Date; reason: string },
): Promise<void> {
  await db.query(sql.keepSuppressionHash, [p.addressHash, p.suppressedAt, p.reason]);
}

/** Takes a hash off the list; false if it was not on it. */
export async function liftSuppressionHash(db: Queryable, p: { addressHash: Buffer }): Promise<boolean> {
  return changedAny(await db.query(sql.liftSuppressionHash, [p.addressHash]));
}

/**
 * The console's list, newest first: addresses matching `pattern` (a LIKE pattern, already
 * escaped), of `status`, created before the row `after` (the keyset of the previous page), at most
 * `limit`. A suppressed address has the status 'suppressed', as the filter counts it.
 */
export async function search(
  db: Queryable,
  p: {
    pattern?: string;
    status?: ListedStatus;
    after?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<SubscriberSummary[]> {
  const { rows } = await db.query<{
    id: string;
    email: string;
    status: string;
    suppressed_at: Date | null;
    paused_until: Date | null;
    frequency: string;
    created_at: Date;
  }>(sql.search, [
    p.pattern ?? null,
    p.status ?? null,
    p.after?.createdAt ?? null,
    p.after?.id ?? null,
    p.limit,
  ]);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    status: (row.suppressed_at ? 'suppressed' : row.status) as ListedStatus,
    pausedUntil: row.paused_until,
    frequency: row.frequency,
    createdAt: row.created_at,
  }));
}

/** Every column of the subscriber's row, under the table's own names: what a data export shows. */
export async function exportRow(
  db: Queryable,
  p: { subscriberId: string },
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(sql.exportRow, [p.subscriberId]);
  return rows[0];
}

/** The subscriber's events, oldest first. */
export async function history(db: Queryable, p: { subscriberId: string }): Promise<HistoryEvent[]> {
  const { rows } = await db.query<HistoryEvent>(sql.history, [p.subscriberId]);
  return rows;
}

/**
 * The subscriber's requests, oldest first, with their preferences as stored (a data export shows
 * them so, without the defaults findRequest fills in).
 */
export async function requestsOf(
  db: Queryable,
  p: { subscriberId: string },
): Promise<Array<{ id: string; preferences: unknown; createdAt: Date; appliedAt: Date | null }>> {
  const { rows } = await db.query<{
    id: string;
    preferences: unknown;
    created_at: Date;
    applied_at: Date | null;
  }>(sql.requestsOf, [p.subscriberId]);
  return rows.map((row) => ({
    id: row.id,
    preferences: row.preferences,
    createdAt: row.created_at,
    appliedAt: row.applied_at,
  }));
}

/**
 * Deletes the subscriber and, by the foreign keys' cascade, everything that names them. Returns
 * what a kept suppression needs of the row, or undefined if there was none.
 */
export async function deleteSubscriber(
  db: Queryable,
  p: { subscriberId: string },
): Promise<{ email: string; suppressedAt: Date | null; suppressionReason: string | null } | undefined> {
  const { rows } = await db.query<{
    email: string;
    suppressed_at: Date | null;
    suppression_reason: string | null;
  }>(sql.erase, [p.subscriberId]);
  const row = rows[0];
  return (
    row && { email: row.email, suppressedAt: row.suppressed_at, suppressionReason: row.suppression_reason }
  );
}

/** How many of each subscriber event per UTC day ('YYYY-MM-DD') since `since`. */
export async function countEventsPerDay(
  db: Queryable,
  p: { since: Date },
): Promise<Array<{ day: string; event: string; count: number }>> {
  const { rows } = await db.query<{ day: string; event: string; count: number }>(sql.eventsPerDay, [p.since]);
  return rows;
}

/** The id of the subscriber's latest request not applied yet. */
export async function latestOpenRequest(
  db: Queryable,
  p: { subscriberId: string },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(sql.latestOpenRequest, [p.subscriberId]);
  return rows[0]?.id;
}

/** Notes a confirmation sent now; false (nothing noted) for a suppressed address. */
export async function markConfirmationSent(db: Queryable, p: { subscriberId: string }): Promise<boolean> {
  return changedAny(await db.query(sql.markConfirmationSent, [p.subscriberId]));
}

/**
 * Inserts imported subscribers in one statement; an existing address is left as it is, or with
 * `update` gets the imported preferences. Returns how many were added and how many updated.
 */
export async function insertImported(
  db: Queryable,
  p: { subscribers: readonly (ImportRow & { addressHash: Buffer })[]; update: boolean },
): Promise<{ added: number; updated: number }> {
  const column = <T>(pick: (row: ImportRow & { addressHash: Buffer }) => T) => p.subscribers.map(pick);
  const { rows } = await db.query<{ inserted: boolean }>(sql.importSubscribers, [
    column((r) => r.email),
    column((r) => r.preferences.frequency),
    column((r) => r.preferences.weekday),
    column((r) => r.preferences.keywords.join('\n')),
    column((r) => r.preferences.keywordMode),
    column((r) => r.preferences.timezone),
    column((r) => r.preferences.deliveryHour),
    column((r) => r.preferences.maxPapers),
    column((r) => r.preferences.personalisation),
    column((r) => r.preferences.mutedKeywords.join('\n')),
    column((r) => r.preferences.monthDay),
    column((r) => r.status),
    column((r) => r.addressHash),
    p.update,
  ]);
  const added = rows.filter((row) => row.inserted).length;
  return { added, updated: rows.length - added };
}

/**
 * Every subscriber of `status` (all without one), oldest first, under the table's column names
 * (the CSV export's); a suppressed address has the status 'suppressed'.
 */
export async function exportAll(
  db: Queryable,
  p: { status?: ListedStatus },
): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query<Record<string, unknown>>(sql.exportAll, [p.status ?? null]);
  return rows;
}

/** The reader's answer on a paper; it replaces an earlier one. */
export async function recordSignal(
  db: Queryable,
  p: { subscriberId: string; arxivId: string; signal: Signal },
): Promise<void> {
  await db.query(sql.recordSignal, [p.subscriberId, p.arxivId, p.signal]);
}

/** False if the reader had no answer on the paper. */
export async function removeSignal(
  db: Queryable,
  p: { subscriberId: string; arxivId: string },
): Promise<boolean> {
  return changedAny(await db.query(sql.removeSignal, [p.subscriberId, p.arxivId]));
}

export async function followAuthor(
  db: Queryable,
  p: { subscriberId: string; author: string },
): Promise<void> {
  await db.query(sql.follow, [p.subscriberId, p.author]);
}

/** False if the reader did not follow the author. */
export async function unfollowAuthor(
  db: Queryable,
  p: { subscriberId: string; author: string },
): Promise<boolean> {
  return changedAny(await db.query(sql.unfollow, [p.subscriberId, p.author]));
}

export async function followOrganisation(
  db: Queryable,
  p: { subscriberId: string; organisation: Organisation },
): Promise<void> {
  await db.query(sql.followOrganisation, [p.subscriberId, p.organisation.name, p.organisation.fullname]);
}

/** Unfollows the organisation with this key (its `name`); false if the reader did not follow it. */
export async function unfollowOrganisation(
  db: Queryable,
  p: { subscriberId: string; name: string },
): Promise<boolean> {
  return changedAny(await db.query(sql.unfollowOrganisation, [p.subscriberId, p.name]));
}

export async function forgetSignals(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.forgetSignals, [p.subscriberId]);
}

export async function forgetFollows(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.forgetFollows, [p.subscriberId]);
}

export async function forgetOrganisations(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.forgetOrganisations, [p.subscriberId]);
}

/** The reader taught nothing (any more): the ranking is trending again. */
export async function clearLearned(db: Queryable, p: { subscriberId: string }): Promise<void> {
  await db.query(sql.clearLearned, [p.subscriberId]);
}

/** What the reader taught: signals newest first, with the papers' text, and who they follow. */
export async function feedbackOf(db: Queryable, p: { subscriberId: string }): Promise<ReaderFeedback> {
  const { rows } = await db.query<{
    signals: Array<Omit<SignalledPaper, 'at'> & { at: string }>;
    follows: string[];
    organisations: Organisation[];
  }>(sql.feedbackOf, [p.subscriberId]);
  const row = rows[0] ?? { signals: [], follows: [], organisations: [] };
  return {
    // json_agg gives the time as text
    signals: row.signals.map((signal) => ({ ...signal, at: new Date(signal.at) })),
    follows: row.follows,
    organisations: row.organisations,
  };
}
