import { SUBSCRIBER_COLUMNS } from '../subscribers/queries.ts';

/** Every SQL statement of the delivery room. */

/** The claimed row's subscriber, each column prefixed (claimed.ts reads them back). */
export const CLAIMED_SUBSCRIBER_PREFIX = 'subscriber_';
const claimedSubscriberColumns = SUBSCRIBER_COLUMNS.map(
  (column) => `s.${column} AS ${CLAIMED_SUBSCRIBER_PREFIX}${column}`,
).join(', ');

const MAILABLE = `s.status = 'active' AND s.suppressed_at IS NULL AND (s.paused_until IS NULL OR s.paused_until <= now())`;

/**
 * Takes up to $1 deliveries whose lease ran out (a crashed worker's, first: they have waited a
 * lease already) or that are due, and leases them for $2 seconds under a new lease_token. $3
 * holds the ids this worker still has in flight: a lease of its own that ran out while the
 * database was away is not taken again (it would be sent twice).
 * SKIP LOCKED lets any number of workers claim side by side, each row going to one.
 * The two kinds of candidates are separate locking scans, each walking its own partial index
 * in order and stopping at $1 rows, rather than one OR that would read and sort every due row.
 * The subscriber comes along, so building the mail needs no further query.
 */
function claimSql(forEdition: boolean): string {
  const edition = forEdition ? 'AND edition_id = $5' : '';
  return `
    WITH expired AS (
      SELECT id, 0 AS rank, lease_expires_at AS at FROM deliveries
      WHERE $4::boolean AND status = 'sending' AND lease_expires_at < now() AND id <> ALL($3::bigint[]) ${edition}
      ORDER BY lease_expires_at LIMIT $1
      FOR UPDATE SKIP LOCKED
    ), pending AS (
      SELECT id, 1 AS rank, due_at AS at FROM deliveries
      WHERE status = 'pending' AND due_at <= now() ${edition}
      ORDER BY due_at LIMIT $1
      FOR UPDATE SKIP LOCKED
    ), due AS (
      SELECT id, rank, at FROM expired UNION ALL SELECT id, rank, at FROM pending ORDER BY rank, at LIMIT $1
    )
    UPDATE deliveries d
    SET status = 'sending', lease_token = gen_random_uuid(),
        expired_leases = d.expired_leases + (d.status = 'sending')::int,
        lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
    FROM due, subscribers s
    WHERE d.id = due.id AND s.id = d.subscriber_id
    RETURNING d.id, d.kind, d.edition_id, d.request_id, d.attempts, d.local_failures, d.lease_token,
      d.created_at, ${claimedSubscriberColumns}`;
}

export const deliveryQueries = {
  /**
   * Fan-out: one digest row per mailable subscriber of the edition's frequency, in one
   * statement. Each is due at the subscriber's hour in their time zone on the edition's send
   * day $2, moved by the reader's own day $5 names (frequency.ts `readerDay`: their weekday in a
   * weekly edition's week, their day of the month in a monthly one's); `AT TIME ZONE` turns that local
   * time into an instant, right across daylight-saving changes; a zone PostgreSQL does not know
   * (a row written around the checks) counts as UTC rather than failing everyone's fan-out.
   * $4 = true: due now instead.
   * The unique (subscriber, edition) index makes a second fan-out add only the missing rows.
   */
  fanOut: `
    INSERT INTO deliveries (kind, subscriber_id, edition_id, due_at)
    SELECT 'digest', s.id, $1,
      CASE WHEN $4 THEN now()
      ELSE ($2::date + CASE $5::text WHEN 'weekday' THEN s.weekday - 1 WHEN 'month_day' THEN s.month_day - 1 ELSE 0 END
             + make_interval(hours => s.delivery_hour)) AT TIME ZONE COALESCE(z.name, 'UTC')
      END
    FROM subscribers s LEFT JOIN pg_timezone_names z ON z.name = s.timezone
    WHERE ${MAILABLE} AND s.frequency = $3
    ON CONFLICT (subscriber_id, edition_id) DO NOTHING`,

  /** `digest send --now`: what is still waiting for its hour goes now. */
  makeEditionDueNow: `
    UPDATE deliveries SET due_at = now(), updated_at = now()
    WHERE edition_id = $1 AND status = 'pending' AND due_at > now()`,

  /** Takes due deliveries of any kind (the worker): see claimSql. */
  claimDue: claimSql(false),

  /** Takes due deliveries of edition $5 only (`digest send`): see claimSql. */
  claimDueForEdition: claimSql(true),

  /**
   * Outcomes are recorded in batches: one statement for many deliveries. Each is written only if
   * the row is still in the claim that produced it (its lease_token): after an outage a late
   * outcome still lands, unless another worker has claimed the row since. They return the ids
   * written.
   */
  markSent: `
    UPDATE deliveries d
    SET status = 'sent', attempts = d.attempts + 1, message_id = u.message_id, smtp_response = u.response,
        sent_at = now(), lease_expires_at = NULL, lease_token = NULL, last_error = NULL, updated_at = now()
    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[]) AS u(id, lease_token, message_id, response)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  /** Back to pending after a delay: transient failures with attempts left. */
  scheduleRetry: `
    UPDATE deliveries d
    SET status = 'pending', due_at = now() + make_interval(secs => u.delay), last_error = u.error,
        attempts = d.attempts + u.relay::int, local_failures = d.local_failures + (NOT u.relay)::int,
        lease_expires_at = NULL, lease_token = NULL, updated_at = now()
    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::boolean[]) AS u(id, lease_token, error, delay, relay)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  markFailed: `
    UPDATE deliveries d
    SET status = 'failed', last_error = u.error, smtp_response = u.response,
        attempts = d.attempts + u.relay::int, local_failures = d.local_failures + (NOT u.relay)::int,
        lease_expires_at = NULL, lease_token = NULL, updated_at = now()
    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::boolean[]) AS u(id, lease_token, error, response, relay)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  markCancelled: `
    UPDATE deliveries d
    SET status = 'cancelled', last_error = u.reason, lease_expires_at = NULL, lease_token = NULL,
        updated_at = now()
    FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS u(id, lease_token, reason)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  /** The shared send rate (pacer.ts), locked while a process reserves its sending slots. */
  lockPacer: `
    SELECT extract(epoch FROM next_at) * 1000 AS next_at, rate, extract(epoch FROM rate_at) * 1000 AS rate_at,
      extract(epoch FROM throttled_at) * 1000 AS throttled_at, extract(epoch FROM clock_timestamp()) * 1000 AS now
    FROM send_pacer WHERE id = 1 FOR UPDATE`,

  /** The adaptive rate alone, unlocked: whether a process without a ceiling must pace at all. */
  pacerRate: `SELECT rate FROM send_pacer WHERE id = 1`,

  /** Sets the next free sending time $1 (epoch ms) and the adaptive rate $2, set at $3 (epoch ms). */
  updatePacer: `
    UPDATE send_pacer
    SET next_at = to_timestamp($1::float8 / 1000), rate = $2::float8, rate_at = to_timestamp($3::float8 / 1000)
    WHERE id = 1`,

  /**
   * A throttling answer: the rate of every process becomes $1 times what the relay accepted in
   * the last second (sent rows, or $3, this process's own count, if higher: outcomes are written
   * a little later), at least $2. At most once in $4 seconds: the answers to one burst lower it
   * once.
   */
  throttlePacer: `
    UPDATE send_pacer
    SET rate = greatest($2::float8, $1::float8 * greatest($3::float8,
          (SELECT count(*) FROM deliveries
           WHERE status = 'sent' AND sent_at > clock_timestamp() - interval '1 second')::float8)),
        rate_at = clock_timestamp(), throttled_at = clock_timestamp()
    WHERE id = 1 AND (throttled_at IS NULL OR throttled_at < clock_timestamp() - make_interval(secs => $4::float8))
    RETURNING rate`,

  /**
   * Keeps the leases $1 (ids) under claims $2 (tokens) for $3 more seconds, even one that ran out
   * while the database was away, unless another worker has claimed the row since; returns the ids
   * still held.
   */
  renewLeases: `
    UPDATE deliveries d
    SET lease_expires_at = now() + make_interval(secs => $3)
    FROM unnest($1::bigint[], $2::uuid[]) AS u(id, lease_token)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  /** Shutdown: rows still in this worker's hands go straight back to the queue. */
  releaseLeases: `
    UPDATE deliveries d
    SET status = 'pending', lease_expires_at = NULL, lease_token = NULL, updated_at = now()
    FROM unnest($1::bigint[], $2::uuid[]) AS u(id, lease_token)
    WHERE d.id = u.id AND d.lease_token = u.lease_token AND d.status = 'sending'
    RETURNING d.id`,

  subscriberByDelivery: `SELECT id, subscriber_id FROM deliveries WHERE id = $1 AND message_id = $2`,

  /**
   * A late soft bounce of delivery $1, counted once whatever the number of reports: only a mail
   * that was sent and not counted before answers (one that failed was counted when it failed).
   */
  claimSoftBounce: `
    UPDATE deliveries SET soft_bounce_counted_at = now()
    WHERE id = $1 AND status = 'sent' AND soft_bounce_counted_at IS NULL
    RETURNING subscriber_id`,

  /** The latest mail sent to subscriber $1: what a soft bounce naming only the address is about. */
  latestSentTo: `
    SELECT id FROM deliveries WHERE subscriber_id = $1 AND status = 'sent'
    ORDER BY sent_at DESC NULLS LAST, id DESC LIMIT 1`,

  /** The Message-ID a delivery was sent under (null until it was). */
  messageIdOfDelivery: `SELECT message_id FROM deliveries WHERE id = $1`,

  editionDueNow: `
    SELECT count(*)::int AS count FROM deliveries
    WHERE edition_id = $1
      AND ((status = 'pending' AND due_at <= now()) OR (status = 'sending' AND lease_expires_at < now()))`,

  editionProgress: `
    SELECT status, count(*)::int AS count, min(due_at) FILTER (WHERE status = 'pending') AS next_due
    FROM deliveries WHERE edition_id = $1 GROUP BY status`,

  countByKindAndStatus: `
    SELECT kind, status, count(*)::int AS count FROM deliveries GROUP BY kind, status ORDER BY kind, status`,

  /** One subscriber's mail, newest first, for the console and a data export. */
  deliveriesOf: `
    SELECT d.id, d.kind, e.frequency, to_char(e.day, 'YYYY-MM-DD') AS edition_day, d.status, d.attempts,
      d.due_at, d.sent_at, d.message_id, d.smtp_response, d.last_error, d.created_at
    FROM deliveries d LEFT JOIN editions e ON e.id = d.edition_id
    WHERE d.subscriber_id = $1 ORDER BY d.created_at DESC, d.id DESC`,

  /** Deliveries by status for editions $1 (ids). */
  countByEdition: `
    SELECT edition_id, status, count(*)::int AS count FROM deliveries
    WHERE edition_id = ANY($1::bigint[]) GROUP BY edition_id, status`,

  /** Mail sent in the last $1 seconds, for the sending rate. */
  sentSince: `SELECT count(*)::int AS count FROM deliveries WHERE status = 'sent' AND sent_at > now() - make_interval(secs => $1)`,

  /** Deliveries due now and waiting, and how long the oldest has waited (seconds). */
  dueQueue: `
    SELECT count(*)::int AS depth, COALESCE(EXTRACT(EPOCH FROM now() - min(due_at)), 0)::float8 AS oldest_seconds
    FROM deliveries WHERE status = 'pending' AND due_at <= now()`,
} as const;
