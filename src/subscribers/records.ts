import type pg from 'pg';
import { type Queryable, withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { enqueueConfirmation } from '../mail-queue/queue.ts';
import type { AddressHasher } from './address-hash.ts';
import { normalizeEmailAddress } from './email-address.ts';
import type { Preferences } from './preferences.ts';
import { subscriberQueries as sql } from './queries.ts';

/**
 * What an operator does with subscriber records: find them, read their history, answer a data
 * request (export, erase), and keep the suppression list, including addresses that have no
 * subscriber row (kept as keyed hashes only, address-hash.ts).
 */

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

export interface SearchPage {
  subscribers: SubscriberSummary[];
  /** Pass back as `after` for the next page; null on the last one. */
  next: string | null;
}

/** Keyset cursor: the last row's creation time and id, so pages stay stable while rows arrive. */
function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? ''))
    throw new ValidationError('after', 'is not a cursor this list gave');
  return { createdAt, id: id as string };
}

/** `%`, `_` and `\` typed by the operator are literal characters, not LIKE wildcards. */
function containsPattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchSubscribers(
  pool: pg.Pool,
  options: { query?: string; status?: ListedStatus; after?: string; limit: number },
): Promise<SearchPage> {
  const cursor = options.after ? decodeCursor(options.after) : undefined;
  const fragment = options.query?.trim();
  const { rows } = await pool.query<{
    id: string;
    email: string;
    status: string;
    suppressed_at: Date | null;
    paused_until: Date | null;
    frequency: string;
    created_at: Date;
  }>(sql.search, [
    fragment ? containsPattern(fragment) : null,
    options.status ?? null,
    cursor?.createdAt ?? null,
    cursor?.id ?? null,
    options.limit + 1,
  ]);
  const subscribers = rows.slice(0, options.limit).map((row) => ({
    id: row.id,
    email: row.email,
    status: (row.suppressed_at ? 'suppressed' : row.status) as ListedStatus,
    pausedUntil: row.paused_until,
    frequency: row.frequency,
    createdAt: row.created_at,
  }));
  const last = subscribers.at(-1);
  return { subscribers, next: rows.length > options.limit && last ? encodeCursor(last) : null };
}

export interface HistoryEvent {
  event: string;
  detail: string | null;
  at: Date;
}

export async function subscriberHistory(client: Queryable, subscriberId: string): Promise<HistoryEvent[]> {
  const { rows } = await client.query<HistoryEvent>(sql.history, [subscriberId]);
  return rows;
}

/**
 * The subscriber columns a data export leaves out: the link secrets, which identify no one and
 * would let whoever holds the export forge nothing without SECRET_KEY, but are no business of
 * theirs either.
 */
export const SECRET_COLUMNS = ['link_nonce', 'confirm_nonce'] as const;

/** Everything the subscribers room stores about one subscriber, for a data export. */
export async function subscriberRecord(
  client: Queryable,
  subscriberId: string,
): Promise<
  | {
      subscriber: Record<string, unknown>;
      history: HistoryEvent[];
      requests: Array<{ id: string; preferences: unknown; createdAt: Date; appliedAt: Date | null }>;
    }
  | undefined
> {
  const { rows } = await client.query<Record<string, unknown>>(sql.exportRow, [subscriberId]);
  const row = rows[0];
  if (!row) return undefined;
  for (const secret of SECRET_COLUMNS) delete row[secret];
  const requests = await client.query<{
    id: string;
    preferences: unknown;
    created_at: Date;
    applied_at: Date | null;
  }>(sql.requestsOf, [subscriberId]);
  return {
    subscriber: row,
    history: await subscriberHistory(client, subscriberId),
    requests: requests.rows.map((r) => ({
      id: r.id,
      preferences: r.preferences,
      createdAt: r.created_at,
      appliedAt: r.applied_at,
    })),
  };
}

/**
 * Erases a subscriber at once: their row, their requests, history and deliveries (the foreign
 * keys cascade). An address that bounced or complained stays blocked as a keyed hash, so it is
 * never mailed again; any other address can subscribe afresh. False if there was no such
 * subscriber.
 */
export async function eraseSubscriber(
  pool: pg.Pool,
  hasher: AddressHasher,
  subscriberId: string,
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      email: string;
      suppressed_at: Date | null;
      suppression_reason: string | null;
    }>(sql.erase, [subscriberId]);
    const erased = rows[0];
    if (!erased) return false;
    if (erased.suppressed_at)
      await client.query(sql.keepSuppressionHash, [
        hasher.hash(erased.email),
        erased.suppressed_at,
        // the reason is the relay's or the operator's words, which may quote the address
        'suppressed before the subscriber was erased',
      ]);
    return true;
  });
}

/**
 * The operator blocks addresses: a subscriber's is marked suppressed; one with no subscriber is
 * kept as a keyed hash, so it is suppressed from the moment it ever subscribes. Returns how many
 * addresses were newly blocked. Throws ValidationError naming the first bad address (with its
 * position when there are several) before anything is stored.
 */
export async function blockAddresses(
  pool: pg.Pool,
  hasher: AddressHasher,
  emails: string[],
  reason: string,
): Promise<number> {
  const normalized = emails.map((email, index) => {
    try {
      return normalizeEmailAddress(email);
    } catch (error) {
      if (emails.length === 1) throw error;
      throw new ValidationError(`emails[${index}]`, (error as Error).message);
    }
  });
  return withTransaction(pool, async (client) => {
    let blocked = 0;
    const unknown: string[] = [];
    for (const email of normalized) {
      const updated = await client.query(sql.suppressByEmail, [email, reason]);
      if (updated.rowCount) blocked++;
      else if (!(await client.query(sql.idByEmail, [email])).rowCount) unknown.push(email);
    }
    if (unknown.length > 0) {
      const inserted = await client.query(sql.suppressHashes, [
        unknown.map((email) => hasher.hash(email)),
        unknown.map(() => reason),
      ]);
      blocked += inserted.rowCount ?? 0;
    }
    return blocked;
  });
}

/** Takes an address off both suppression lists. False if it was on neither. */
export async function liftAddress(pool: pg.Pool, hasher: AddressHasher, email: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const row = await client.query(sql.liftSuppression, [email]);
    const hash = await client.query(sql.liftSuppressionHash, [hasher.hash(email)]);
    return (row.rowCount ?? 0) + (hash.rowCount ?? 0) > 0;
  });
}

export type ResendOutcome = 'sent' | 'not-pending' | 'suppressed' | 'not-found';

/**
 * The operator sends a pending subscriber's confirmation again (the first was lost, or sat in a
 * spam folder): a new mail for their latest request, at once, whatever the 10-minute limit.
 */
export async function resendConfirmation(pool: pg.Pool, subscriberId: string): Promise<ResendOutcome> {
  return withTransaction(pool, async (client) => {
    const found = await client.query<{ status: string }>(sql.lockById, [subscriberId]);
    const subscriber = found.rows[0];
    if (!subscriber) return 'not-found';
    if (subscriber.status !== 'pending') return 'not-pending';
    const request = await client.query<{ id: string }>(sql.latestOpenRequest, [subscriberId]);
    const marked = await client.query(sql.markConfirmationSent, [subscriberId]);
    if (!marked.rowCount) return 'suppressed';
    const requestId = request.rows[0]?.id;
    if (!requestId) return 'not-pending';
    await enqueueConfirmation(client, subscriberId, requestId);
    return 'sent';
  });
}

/** Subscriber events per UTC day since `since`: { '2026-11-20': { subscribed: 3, … }, … }. */
export async function eventsPerDay(
  client: Queryable,
  since: Date,
): Promise<Map<string, Record<string, number>>> {
  const { rows } = await client.query<{ day: string; event: string; count: number }>(sql.eventsPerDay, [
    since,
  ]);
  const days = new Map<string, Record<string, number>>();
  for (const row of rows) days.set(row.day, { ...days.get(row.day), [row.event]: row.count });
  return days;
}

/** The statuses an import may give: people who opted in, left since, or must get no mail. */
export const IMPORTED_STATUSES = ['active', 'unsubscribed', 'suppressed'] as const;

export interface ImportRow {
  email: string;
  preferences: Preferences;
  status: (typeof IMPORTED_STATUSES)[number];
}

/**
 * Stores imported subscribers (active, or unsubscribed or suppressed as the list says), in one
 * statement per batch. Existing addresses are left
 * as they are, or get the imported preferences with `update`. Returns how many were added and
 * updated.
 */
export async function importSubscribers(
  client: Queryable,
  hasher: AddressHasher,
  rows: ImportRow[],
  update: boolean,
): Promise<{ added: number; updated: number }> {
  if (rows.length === 0) return { added: 0, updated: 0 };
  const column = <T>(pick: (row: ImportRow) => T) => rows.map(pick);
  const result = await client.query<{ inserted: boolean }>(sql.importSubscribers, [
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
    column((r) => hasher.hash(r.email)),
    update,
  ]);
  const added = result.rows.filter((row) => row.inserted).length;
  return { added, updated: result.rows.length - added };
}

/** Every subscriber (or those of one status) for a CSV export, oldest first. */
export async function exportSubscribers(
  client: Queryable,
  status?: ListedStatus,
): Promise<Array<Record<string, unknown>>> {
  const { rows } = await client.query<Record<string, unknown>>(sql.exportAll, [status ?? null]);
  return rows;
}
