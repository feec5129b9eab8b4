/** Every SQL statement of the subscribers room. */

/** The columns of a SubscriberRow (subscriber.ts), in one place for every statement that reads one. */
export const SUBSCRIBER_COLUMNS = [
  'id',
  'email',
  'status',
  'frequency',
  'weekday',
  'month_day',
  'keywords',
  'keyword_mode',
  'timezone',
  'delivery_hour',
  'max_papers',
  'personalisation',
  'muted_keywords',
  'link_nonce',
  'confirm_nonce',
  'confirmation_sent_at',
  'confirmed_at',
  'unsubscribed_at',
  'created_at',
  'suppressed_at',
  'soft_bounces',
  'paused_until',
  'learned_at',
] as const;

const COLUMNS = SUBSCRIBER_COLUMNS.join(', ');

/**
 * Confirmation mails an address gets without answering one (README "Subscribing"): then none until
 * it confirms, however often the form is sent. A subscribed reader who ignored three changes asked
 * in their name still changes their digest from the preferences link of any digest.
 */
export const MAX_UNANSWERED_CONFIRMATIONS = 3;

// whether a request for a known address (s) gets a confirmation mail now
const CONFIRMATION_DUE = `s.suppressed_at IS NULL
  AND s.confirmations_unanswered < ${MAX_UNANSWERED_CONFIRMATIONS}
  AND (s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= now() - interval '10 minutes')`;

// $2…$11 in every statement that writes preferences, in the order of store.ts preferenceParams().
const PREFERENCE_COLUMNS =
  'frequency, weekday, keywords, keyword_mode, timezone, delivery_hour, max_papers, personalisation, muted_keywords, month_day';

export const subscriberQueries = {
  /** Every time zone name PostgreSQL knows: the zones a subscriber may choose (known-time-zones.ts). */
  timeZoneNames: 'SELECT name FROM pg_timezone_names',

  /**
   * Subscribing, as the first part of one statement (the mail queue's queueConfirmations completes it,
   * so the request and its mail exist together or not at all). The address is added if new, with
   * the preferences $2…$11, suppressed at once when its hash ($12) is on the list of erased or blocked
   * addresses. A known address keeps its preferences until a confirmation applies the request's; an
   * unsubscribed one waits for that confirmation again. A confirmation is due unless one went out in
   * the last 10 minutes (the form cannot mail-bomb anyone), MAX_UNANSWERED_CONFIRMATIONS went unanswered,
   * or the address is suppressed; only then is
   * the request ($13, its preferences) stored, as `requests` (id, subscriber_id): a request whose mail
   * is not sent could never be confirmed. ON CONFLICT … DO UPDATE locks a known row, so two requests
   * for one address take turns.
   */
  subscribe: `
    WITH subscriber AS (
      INSERT INTO subscribers AS s
        (email, ${PREFERENCE_COLUMNS}, suppressed_at, suppression_reason, confirmation_sent_at,
         confirmations_unanswered)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, blocked.suppressed_at, blocked.reason,
             CASE WHEN blocked.suppressed_at IS NULL THEN now() END,
             CASE WHEN blocked.suppressed_at IS NULL THEN 1 ELSE 0 END
      FROM (SELECT (SELECT suppressed_at FROM suppressed_addresses WHERE address_hash = $12) AS suppressed_at,
                   (SELECT reason FROM suppressed_addresses WHERE address_hash = $12) AS reason) blocked
      ON CONFLICT ((lower(email))) DO UPDATE SET
        status = CASE WHEN s.status = 'unsubscribed' THEN 'pending' ELSE s.status END,
        updated_at = CASE WHEN s.status = 'unsubscribed' THEN now() ELSE s.updated_at END,
        confirmation_sent_at = CASE WHEN ${CONFIRMATION_DUE} THEN now() ELSE s.confirmation_sent_at END,
        confirmations_unanswered = s.confirmations_unanswered + CASE WHEN ${CONFIRMATION_DUE} THEN 1 ELSE 0 END
      RETURNING s.id, s.confirmation_sent_at = now() AS confirmation_due
    ),
    requests AS (
      INSERT INTO subscription_requests (subscriber_id, preferences)
      SELECT id, $13 FROM subscriber WHERE confirmation_due
      RETURNING id, subscriber_id
    )`,

  lockById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1 FOR UPDATE`,

  findById: `SELECT ${COLUMNS} FROM subscribers WHERE id = $1`,

  findByEmail: `SELECT ${COLUMNS} FROM subscribers WHERE lower(email) = lower($1)`,

  idByEmail: `SELECT id FROM subscribers WHERE lower(email) = lower($1)`,

  /** The request a confirmation link names, locked while it is applied. */
  lockRequest: `
    SELECT id, subscriber_id, preferences, created_at, applied_at FROM subscription_requests WHERE id = $1 FOR UPDATE`,

  findRequest: `SELECT id, subscriber_id, preferences, created_at, applied_at FROM subscription_requests WHERE id = $1`,

  markRequestApplied: `UPDATE subscription_requests SET applied_at = now() WHERE id = $1`,

  /** A confirmation was answered: the address may be sent MAX_UNANSWERED_CONFIRMATIONS again. */
  confirmationAnswered: `UPDATE subscribers SET confirmations_unanswered = 0 WHERE id = $1`,

  activate: `
    UPDATE subscribers
    SET status = 'active', confirmed_at = now(), unsubscribed_at = NULL, updated_at = now()
    WHERE id = $1`,

  updatePreferences: `
    UPDATE subscribers
    SET (${PREFERENCE_COLUMNS}) = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11), updated_at = now()
    WHERE id = $1`,

  /** New confirm_nonce: confirmation mails sent before this moment stop working. */
  unsubscribe: `
    UPDATE subscribers
    SET status = 'unsubscribed', unsubscribed_at = now(),
        confirm_nonce = gen_random_uuid(), updated_at = now()
    WHERE id = $1`,

  /** No digest until $2 (a pause of a few weeks); NULL resumes at once. */
  setPausedUntil: `UPDATE subscribers SET paused_until = $2, updated_at = now() WHERE id = $1`,

  countByStatus: `
    SELECT CASE WHEN suppressed_at IS NOT NULL THEN 'suppressed' ELSE status END AS status, count(*)::int AS count
    FROM subscribers GROUP BY 1 ORDER BY 1`,

  /** Hard bounces and complaints: no more mail to these addresses ($1 ids, $2 reasons). */
  suppress: `
    UPDATE subscribers s SET suppressed_at = now(), suppression_reason = u.reason, updated_at = now()
    FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
    WHERE s.id = u.id AND s.suppressed_at IS NULL`,

  /**
   * Digests undeliverable after every retry, $2 of them for subscriber $1 (arrays); at $3 in a
   * row the address is suppressed.
   */
  countSoftBounces: `
    UPDATE subscribers s
    SET soft_bounces = s.soft_bounces + u.count,
        suppressed_at = CASE WHEN s.soft_bounces + u.count >= $3 AND s.suppressed_at IS NULL THEN now()
          ELSE s.suppressed_at END,
        suppression_reason = CASE WHEN s.soft_bounces + u.count >= $3 AND s.suppressed_at IS NULL
          THEN 'soft bounces: ' || (s.soft_bounces + u.count) || ' digests in a row undeliverable'
          ELSE s.suppression_reason END,
        updated_at = now()
    FROM unnest($1::uuid[], $2::int[]) AS u(id, count)
    WHERE s.id = u.id`,

  /** A delivered digest clears the subscriber's run of soft bounces. */
  resetSoftBounces: `
    UPDATE subscribers SET soft_bounces = 0 WHERE id = ANY($1::uuid[]) AND soft_bounces > 0`,

  /** The suppressed addresses, most recent first (the admin API). */
  listSuppressions: `
    SELECT email, suppressed_at, suppression_reason, soft_bounces FROM subscribers
    WHERE suppressed_at IS NOT NULL ORDER BY suppressed_at DESC, email LIMIT $1`,

  /** An operator lifts a suppression: the address gets mail again from the next edition on. */
  liftSuppression: `
    UPDATE subscribers
    SET suppressed_at = NULL, suppression_reason = NULL, soft_bounces = 0, updated_at = now()
    WHERE lower(email) = lower($1) AND suppressed_at IS NOT NULL
    RETURNING id`,

  /** The operator suppresses an address that has a subscriber ($1 address, $2 reason). */
  suppressByEmail: `
    UPDATE subscribers SET suppressed_at = now(), suppression_reason = $2, updated_at = now()
    WHERE lower(email) = lower($1) AND suppressed_at IS NULL
    RETURNING id`,

  /** Keyed hashes ($1) of addresses no mail may go to that have no subscriber row, with reasons ($2). */
  suppressHashes: `
    INSERT INTO suppressed_addresses (address_hash, reason)
    SELECT * FROM unnest($1::bytea[], $2::text[])
    ON CONFLICT (address_hash) DO NOTHING`,

  /** Keeps an erased subscriber's suppression as a hash ($1), with when ($2) and why ($3). */
  keepSuppressionHash: `
    INSERT INTO suppressed_addresses (address_hash, suppressed_at, reason) VALUES ($1, $2, $3)
    ON CONFLICT (address_hash) DO NOTHING`,

  liftSuppressionHash: `DELETE FROM suppressed_addresses WHERE address_hash = $1`,

  /**
   * The console's subscriber list: address fragment $1 (LIKE pattern, already escaped), status
   * $2 ('suppressed' is its own), keyset after ($3 created_at, $4 id), $5 rows, newest first.
   */
  search: `
    SELECT id, email, status, suppressed_at, paused_until, frequency, created_at FROM subscribers
    WHERE ($1::text IS NULL OR email ILIKE $1)
      AND ($2::text IS NULL
        OR ($2 = 'suppressed' AND suppressed_at IS NOT NULL)
        OR (status = $2 AND suppressed_at IS NULL))
      AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
    ORDER BY created_at DESC, id DESC
    LIMIT $5`,

  /** Every column, for a data export ($1 id). */
  exportRow: `SELECT * FROM subscribers WHERE id = $1`,

  history: `SELECT event, detail, at FROM subscriber_events WHERE subscriber_id = $1 ORDER BY at, id`,

  requestsOf: `
    SELECT id, preferences, created_at, applied_at FROM subscription_requests
    WHERE subscriber_id = $1 ORDER BY created_at, id`,

  /** Erases a subscriber: the row goes, and with it (ON DELETE CASCADE) everything that names them. */
  erase: `DELETE FROM subscribers WHERE id = $1 RETURNING email, suppressed_at, suppression_reason`,

  /** Subscriber events per UTC day since $1, for the dashboard. */
  eventsPerDay: `
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, event, count(*)::int AS count
    FROM subscriber_events WHERE at >= $1 GROUP BY 1, 2`,

  /** The confirmation a pending subscriber can be sent again: their latest unapplied request. */
  latestOpenRequest: `
    SELECT id FROM subscription_requests WHERE subscriber_id = $1 AND applied_at IS NULL
    ORDER BY created_at DESC LIMIT 1`,

  /** The operator resends a confirmation: no 10-minute wait, but never to a suppressed address. */
  markConfirmationSent: `
    UPDATE subscribers SET confirmation_sent_at = now() WHERE id = $1 AND suppressed_at IS NULL RETURNING id`,

  /**
   * Imports opted-in subscribers ($1 addresses, $2…$11 preference arrays, $12 statuses: active,
   * unsubscribed or suppressed, $13 address hashes); existing addresses are left as they are
   * unless $14, then their preferences are replaced. Returns one row per address inserted or
   * updated.
   */
  importSubscribers: `
    INSERT INTO subscribers AS s (email, ${PREFERENCE_COLUMNS}, status, confirmed_at, unsubscribed_at,
      suppressed_at, suppression_reason)
    SELECT u.email, u.frequency, u.weekday, string_to_array(u.keywords, E'\\n'), u.keyword_mode, u.timezone,
      u.delivery_hour, u.max_papers, u.personalisation, string_to_array(u.muted_keywords, E'\\n'), u.month_day,
      CASE WHEN u.status = 'unsubscribed' THEN 'unsubscribed' ELSE 'active' END,
      CASE WHEN u.status = 'unsubscribed' THEN NULL ELSE now() END,
      CASE WHEN u.status = 'unsubscribed' THEN now() END,
      COALESCE(h.suppressed_at, CASE WHEN u.status = 'suppressed' THEN now() END),
      COALESCE(h.reason, CASE WHEN u.status = 'suppressed' THEN 'imported as suppressed' END)
    FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::smallint[],
      $8::smallint[], $9::smallint[], $10::text[], $11::smallint[], $12::text[], $13::bytea[])
      AS u(email, frequency, weekday, keywords, keyword_mode, timezone, delivery_hour, max_papers,
        personalisation, muted_keywords, month_day, status, hash)
    LEFT JOIN suppressed_addresses h ON h.address_hash = u.hash
    ON CONFLICT ((lower(email))) DO UPDATE
      SET (${PREFERENCE_COLUMNS}) = (excluded.frequency, excluded.weekday, excluded.keywords,
        excluded.keyword_mode, excluded.timezone, excluded.delivery_hour, excluded.max_papers,
        excluded.personalisation, excluded.muted_keywords, excluded.month_day),
        updated_at = now()
      WHERE $14::boolean
    RETURNING (xmax = 0) AS inserted`,

  /** The export command: every subscriber with status $1 (or all), in the order they came. */
  exportAll: `
    SELECT email, CASE WHEN suppressed_at IS NOT NULL THEN 'suppressed' ELSE status END AS status,
      ${PREFERENCE_COLUMNS}, created_at, confirmed_at, unsubscribed_at, suppressed_at, suppression_reason
    FROM subscribers
    WHERE $1::text IS NULL
      OR ($1 = 'suppressed' AND suppressed_at IS NOT NULL)
      OR (status = $1 AND suppressed_at IS NULL)
    ORDER BY created_at, id`,

  /** A reader's answer on a paper ($3: 1 more, -1 less); the latest answer counts. */
  recordSignal: `
    WITH signal AS (
      INSERT INTO reader_signals (subscriber_id, arxiv_id, signal) VALUES ($1, $2, $3)
      ON CONFLICT (subscriber_id, arxiv_id) DO UPDATE SET signal = excluded.signal, created_at = now()
      RETURNING subscriber_id
    )
    UPDATE subscribers SET learned_at = COALESCE(learned_at, now()) WHERE id = (SELECT subscriber_id FROM signal)`,

  removeSignal: `DELETE FROM reader_signals WHERE subscriber_id = $1 AND arxiv_id = $2`,

  follow: `
    WITH followed AS (
      INSERT INTO reader_follows (subscriber_id, author) VALUES ($1, $2)
      ON CONFLICT DO NOTHING RETURNING subscriber_id
    )
    UPDATE subscribers SET learned_at = COALESCE(learned_at, now()) WHERE id = (SELECT subscriber_id FROM followed)`,

  unfollow: `DELETE FROM reader_follows WHERE subscriber_id = $1 AND author = $2`,

  forgetSignals: `DELETE FROM reader_signals WHERE subscriber_id = $1`,
  forgetFollows: `DELETE FROM reader_follows WHERE subscriber_id = $1`,

  /** Follows organisation $2 (its key), shown as $3. */
  followOrganisation: `
    WITH followed AS (
      INSERT INTO reader_organisations (subscriber_id, organisation, fullname) VALUES ($1, $2, $3)
      ON CONFLICT DO NOTHING RETURNING subscriber_id
    )
    UPDATE subscribers SET learned_at = COALESCE(learned_at, now()) WHERE id = (SELECT subscriber_id FROM followed)`,

  unfollowOrganisation: `DELETE FROM reader_organisations WHERE subscriber_id = $1 AND organisation = $2`,

  forgetOrganisations: `DELETE FROM reader_organisations WHERE subscriber_id = $1`,
  clearLearned: `UPDATE subscribers SET learned_at = NULL WHERE id = $1`,

  /**
   * What a reader taught, in one round trip (the sender asks it for every reader who taught
   * something): their signals with the papers' text, newest first, and the authors they follow.
   */
  feedbackOf: `
    SELECT
      (SELECT COALESCE(json_agg(json_build_object('arxivId', r.arxiv_id, 'signal', r.signal, 'at', r.created_at,
          'title', p.title, 'abstract', p.abstract, 'aiKeywords', p.ai_keywords) ORDER BY r.created_at DESC), '[]')
        FROM reader_signals r JOIN papers p USING (arxiv_id) WHERE r.subscriber_id = $1) AS signals,
      (SELECT COALESCE(json_agg(author ORDER BY author), '[]') FROM reader_follows WHERE subscriber_id = $1) AS follows,
      (SELECT COALESCE(json_agg(json_build_object('name', organisation, 'fullname', fullname) ORDER BY fullname), '[]')
        FROM reader_organisations WHERE subscriber_id = $1) AS organisations`,
} as const;
