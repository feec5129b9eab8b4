import { randomUUID } from 'node:crypto';
import { addDays, isoDay } from '../dates.ts';
import { fanOut } from '../delivery/fan-out.ts';
import {
  countByEdition,
  countDeliveries,
  deliveriesOf,
  dueQueue,
  type SubscriberDelivery,
  sentInLast,
} from '../delivery/stats.ts';
import type { Edition } from '../digest/editions.ts';
import { renderPersonalDigest } from '../digest/personal-digest.ts';
import type { RenderedDigest } from '../digest/render.ts';
import type { Frequency } from '../frequency.ts';
import { type IngestResult, type IngestRun, ingestDay, recentIngestRuns } from '../papers/ingest.ts';
import { paperSourceFor } from '../papers/source-for.ts';
import type { Services } from '../services.ts';
import { normalizeEmailAddress } from '../subscribers/email-address.ts';
import { DEFAULT_PREFERENCES } from '../subscribers/preferences.ts';
import {
  eraseSubscriber,
  eventsPerDay,
  type HistoryEvent,
  subscriberRecord,
} from '../subscribers/records.ts';
import { countSubscribers } from '../subscribers/stats.ts';
import { feedbackOf } from '../subscribers/store.ts';
import type { Subscriber } from '../subscribers/subscriber.ts';

/**
 * What the operator console and the admin API do, in one place: both call these functions, so
 * a page and its API route can never disagree. This room depends on every other; none on it.
 */

/** The subscriber events the dashboard charts, per day. */
export const CHARTED_EVENTS = ['subscribed', 'confirmed', 'unsubscribed', 'suppressed'] as const;
const DASHBOARD_DAYS = 90;

export interface Dashboard {
  subscribers: Array<{ status: string; count: number }>;
  /** One entry per UTC day, oldest first, DASHBOARD_DAYS of them ending today. */
  perDay: Array<{ day: string } & Record<(typeof CHARTED_EVENTS)[number], number>>;
  editions: Array<{
    id: number;
    frequency: string;
    day: string;
    status: string;
    emptyReason: string | null;
    buildNote: string | null;
    counts: Record<string, number>;
  }>;
  sending: { lastMinute: number; lastHour: number; dueNow: number; oldestDueSeconds: number };
  ingests: IngestRun[];
}

export async function dashboard(
  services: Pick<Services, 'db' | 'editions'>,
  now = new Date(),
): Promise<Dashboard> {
  const pool = services.db.pool;
  const today = isoDay(now);
  const first = addDays(today, -(DASHBOARD_DAYS - 1));
  const events = await eventsPerDay(pool, new Date(`${first}T00:00:00Z`));
  const perDay = Array.from({ length: DASHBOARD_DAYS }, (_, index) => {
    const day = addDays(first, index);
    const counts = events.get(day) ?? {};
    return {
      day,
      ...(Object.fromEntries(CHARTED_EVENTS.map((event) => [event, counts[event] ?? 0])) as Record<
        (typeof CHARTED_EVENTS)[number],
        number
      >),
    };
  });
  return {
    subscribers: await countSubscribers(pool),
    perDay,
    editions: await editionsWithCounts(services, 14),
    sending: {
      lastMinute: await sentInLast(pool, 60),
      lastHour: await sentInLast(pool, 3600),
      ...(await dueQueue(pool).then((q) => ({ dueNow: q.depth, oldestDueSeconds: q.oldestSeconds }))),
    },
    ingests: await recentIngestRuns(pool, { limit: 10 }),
  };
}

/** The latest editions with their deliveries by status, newest first. */
export async function editionsWithCounts(
  services: Pick<Services, 'db' | 'editions'>,
  limit: number,
): Promise<Dashboard['editions']> {
  const editions = await services.editions.list({ onlyReady: false, limit });
  const counts = await countByEdition(
    services.db.pool,
    editions.map((edition) => edition.id as number),
  );
  return editions.map((edition) => ({
    id: edition.id as number,
    frequency: edition.frequency,
    day: edition.day,
    status: edition.status,
    emptyReason: edition.emptyReason,
    buildNote: edition.buildNote,
    counts: counts.get(edition.id as number) ?? {},
  }));
}

export interface SubscriberDetail {
  subscriber: Subscriber;
  suppressionReason: string | null;
  history: HistoryEvent[];
  deliveries: SubscriberDelivery[];
}

export async function subscriberDetail(
  services: Pick<Services, 'db' | 'subscribers'>,
  id: string,
): Promise<SubscriberDetail | undefined> {
  const subscriber = await services.subscribers.findById(id);
  if (!subscriber) return undefined;
  const record = await subscriberRecord(services.db.pool, id);
  return {
    subscriber,
    suppressionReason: (record?.subscriber.suppression_reason as string | null) ?? null,
    history: record?.history ?? [],
    deliveries: await deliveriesOf(services.db.pool, id),
  };
}

/** The answer to a data request: everything stored about one subscriber. */
export async function exportSubscriber(
  services: Pick<Services, 'config' | 'db'>,
  id: string,
): Promise<object | undefined> {
  const record = await subscriberRecord(services.db.pool, id);
  if (!record) return undefined;
  return {
    exportedAt: new Date().toISOString(),
    service: services.config.publicUrl,
    ...record,
    learned: await feedbackOf(services.db.pool, { subscriberId: id }).then(
      ({ signals, follows, organisations }) => ({
        signals: signals.map(({ arxivId, signal, at, title }) => ({ arxivId, signal, at, title })),
        follows,
        organisations,
      }),
    ),
    deliveries: await deliveriesOf(services.db.pool, id),
  };
}

export function erase(services: Pick<Services, 'addressHasher' | 'db'>, id: string): Promise<boolean> {
  return eraseSubscriber(services.db.pool, services.addressHasher, id);
}

export type EditionAction = { edition: Edition; created: boolean; fannedOut?: number };

/**
 * Builds the edition of a date if it may be built, or fills an empty one; with `rebuild`, builds
 * it again now from the stored papers (refused once any of its mail has gone).
 */
export async function buildEdition(
  services: Pick<Services, 'editions'>,
  frequency: Frequency,
  date: string,
  rebuild = false,
): Promise<EditionAction> {
  if (rebuild) return { edition: await services.editions.rebuild(frequency, date), created: true };
  return services.editions.build(frequency, date);
}

/** Yesterday's daily edition as it stands: stored, or why it is not built yet. */
export function yesterdaysEdition(services: Pick<Services, 'editions'>, now = new Date()): Promise<Edition> {
  return services.editions.state('daily', addDays(isoDay(now), -1), now);
}

/**
 * Builds the edition if needed and fans it out: the worker's sender delivers it at each reader's
 * hour, or at once with `now`. Idempotent, like `paperboy digest send`.
 */
export async function sendEditionOf(
  services: Pick<Services, 'db' | 'editions' | 'sender'>,
  frequency: Frequency,
  date: string,
  now: boolean,
): Promise<EditionAction> {
  const built = await services.editions.build(frequency, date);
  const fannedOut = await fanOut(services.db.pool, built.edition, { now });
  services.sender.wake();
  return { ...built, fannedOut };
}

/**
 * An edition as one reader would get it: the default reader, or the subscriber with that
 * address (their selection, keywords and links). Null when nothing would be sent to them.
 */
export async function previewEdition(
  services: Pick<Services, 'config' | 'db' | 'links' | 'renderer'>,
  edition: Edition,
  subscriber?: Subscriber,
): Promise<RenderedDigest | null> {
  const placeholder = `${services.config.publicUrl}/`;
  return renderPersonalDigest({
    edition,
    preferences: subscriber?.preferences ?? DEFAULT_PREFERENCES,
    feedback: subscriber?.learnedAt
      ? await feedbackOf(services.db.pool, { subscriberId: subscriber.id })
      : undefined,
    recipient: subscriber
      ? { email: subscriber.email, ...services.links.forDigest(subscriber) }
      : { email: 'preview@example.org', preferencesUrl: placeholder, unsubscribeUrl: placeholder },
    renderer: services.renderer,
  });
}

/** What a test send did: the relay's answer, or why nothing was sent. */
export type TestSend = { sent: true; to: string; response: string } | { sent: false; why: string };

/**
 * Sends an edition to one address (the operator's own) now, as the default reader or a given
 * subscriber would get it, to see the real mail in a real inbox. Outside the ledger: it is nobody's
 * delivery, so it never counts as an attempt, a bounce or a send of the edition. The subject says
 * it is a test; the links of a default-reader test lead to the site, not to anyone's preferences.
 */
export async function sendTestOf(
  services: Pick<Services, 'config' | 'db' | 'links' | 'renderer' | 'transport'>,
  edition: Edition,
  to: string,
  subscriber?: Subscriber,
): Promise<TestSend> {
  const address = normalizeEmailAddress(to);
  const digest = await previewEdition(services, edition, subscriber);
  if (!digest) return { sent: false, why: 'nothing would be sent to this reader' };
  const host = new URL(services.config.publicUrl).hostname;
  const { response } = await services.transport.send({
    to: address,
    subject: `[test] ${digest.subject}`,
    html: digest.html,
    text: digest.text,
    messageId: `<test-${randomUUID()}@${host}>`,
  });
  return { sent: true, to: address, response };
}

/** The sources an operator can ingest from again: the live API, or the bundled sample. */
export const INGEST_SOURCES = ['hf', 'sample'] as const;

export function ingestAgain(
  services: Pick<Services, 'config' | 'db' | 'log'>,
  date: string,
  source: (typeof INGEST_SOURCES)[number],
): Promise<IngestResult> {
  return ingestDay(
    services.db.pool,
    paperSourceFor(source, services.config, services.log),
    date,
    services.log,
  );
}

export { countDeliveries };
