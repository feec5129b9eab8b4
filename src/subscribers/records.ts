import type pg from 'pg';
import { type Queryable, withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { enqueueConfirmation } from '../mail-queue/store.ts';
import type { AddressHasher } from './address-hash.ts';
import { normalizeEmailAddress } from './email-address.ts';
import * as store from './store.ts';

export {
  type HistoryEvent,
  IMPORTED_STATUSES,
  type ImportRow,
  LISTED_STATUSES,
  type ListedStatus,
  type SubscriberSummary,
} from './store.ts';

/**
 * What an operator does with subscriber records: find them, read their history, answer a data
 * request (export, erase), and keep the suppression list, including addresses that have no
 * subscriber row (kept as keyed hashes only, address-hash.ts).
 */

export interface SearchPage {
  subscribers: store.SubscriberSummary[];
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
  options: { query?: string; status?: store.ListedStatus; after?: string; limit: number },
): Promise<SearchPage> {
  const cursor = options.after ? decodeCursor(options.after) : undefined;
  const fragment = options.query?.trim();
  // one row more than the page: whether there is a next page
  const rows = await store.search(pool, {
    pattern: fragment ? containsPattern(fragment) : undefined,
    status: options.status,
    after: cursor,
    limit: options.limit + 1,
  });
  const subscribers = rows.slice(0, options.limit);
  const last = subscribers.at(-1);
  return { subscribers, next: rows.length > options.limit && last ? encodeCursor(last) : null };
}

async function subscriberHistory(client: Queryable, subscriberId: string): Promise<store.HistoryEvent[]> {
  return store.history(client, { subscriberId });
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
      history: store.HistoryEvent[];
      requests: Array<{ id: string; preferences: unknown; createdAt: Date; appliedAt: Date | null }>;
    }
  | undefined
> {
  const row = await store.exportRow(client, { subscriberId });
  if (!row) return undefined;
  for (const secret of SECRET_COLUMNS) delete row[secret];
  const requests = await store.requestsOf(client, { subscriberId });
  return {
    subscriber: row,
    history: await subscriberHistory(client, subscriberId),
    requests,
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
    const erased = await store.deleteSubscriber(client, { subscriberId });
    if (!erased) return false;
    if (erased.suppressedAt)
      await store.keepSuppressionHash(client, {
        addressHash: hasher.hash(erased.email),
        suppressedAt: erased.suppressedAt,
        // the reason is the relay's or the operator's words, which may quote the address
        reason: 'suppressed before the subscriber was erased',
      });
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
      if (await store.suppressByEmail(client, { email, reason })) blocked++;
      else if ((await store.idByEmail(client, { email })) === undefined) unknown.push(email);
    }
    if (unknown.length > 0)
      blocked += await store.suppressHashes(client, {
        hashes: unknown.map((email) => ({ addressHash: hasher.hash(email), reason })),
      });
    return blocked;
  });
}

/** Takes an address off both suppression lists. False if it was on neither. */
export async function liftAddress(pool: pg.Pool, hasher: AddressHasher, email: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const row = await store.liftSuppression(client, { email });
    const hash = await store.liftSuppressionHash(client, { addressHash: hasher.hash(email) });
    return row || hash;
  });
}

export type ResendOutcome = 'sent' | 'not-pending' | 'suppressed' | 'not-found';

/**
 * The operator sends a pending subscriber's confirmation again (the first was lost, or sat in a
 * spam folder): a new mail for their latest request, at once, whatever the 10-minute limit.
 */
export async function resendConfirmation(pool: pg.Pool, subscriberId: string): Promise<ResendOutcome> {
  return withTransaction(pool, async (client) => {
    const subscriber = await store.findById(client, { id: subscriberId, lock: true });
    if (!subscriber) return 'not-found';
    if (subscriber.status !== 'pending') return 'not-pending';
    const requestId = await store.latestOpenRequest(client, { subscriberId });
    if (!(await store.markConfirmationSent(client, { subscriberId }))) return 'suppressed';
    if (!requestId) return 'not-pending';
    await enqueueConfirmation(client, { subscriberId, requestId });
    return 'sent';
  });
}

/** Subscriber events per UTC day since `since`: { '2026-11-20': { subscribed: 3, … }, … }. */
export async function eventsPerDay(
  client: Queryable,
  since: Date,
): Promise<Map<string, Record<string, number>>> {
  const rows = await store.countEventsPerDay(client, { since });
  const days = new Map<string, Record<string, number>>();
  for (const row of rows) days.set(row.day, { ...days.get(row.day), [row.event]: row.count });
  return days;
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
  rows: store.ImportRow[],
  update: boolean,
): Promise<{ added: number; updated: number }> {
  if (rows.length === 0) return { added: 0, updated: 0 };
  return store.insertImported(client, {
    subscribers: rows.map((row) => ({ ...row, addressHash: hasher.hash(row.email) })),
    update,
  });
}

/** Every subscriber (or those of one status) for a CSV export, oldest first. */
export async function exportSubscribers(
  client: Queryable,
  status?: store.ListedStatus,
): Promise<Array<Record<string, unknown>>> {
  return store.exportAll(client, { status });
}
