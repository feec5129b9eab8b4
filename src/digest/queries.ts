/** Every SQL statement of the digest room. */

const PAPER_COLUMNS = `p.arxiv_id, p.title, p.abstract, p.authors, p.upvotes, p.num_comments, p.github_repo,
  p.github_stars, p.project_page, p.ai_summary, p.ai_keywords, p.thumbnail, p.published_at,
  p.submitted_on_daily_at, p.hf_url, p.arxiv_url, p.pdf_url, p.organization`;

export const digestQueries = {
  /**
   * Candidates of an edition of frequency $4: the papers featured from $1 to $2 (its span), each
   * once at its best score, best first, at most $3 (NULL: all), without those already in an
   * earlier edition of that frequency.
   */
  candidates: `
    SELECT d.arxiv_id, max(d.score) AS score
    FROM paper_days d
    WHERE d.day BETWEEN $1::date AND $2::date
      AND NOT EXISTS (
        SELECT 1 FROM edition_papers ep JOIN editions e ON e.id = ep.edition_id
        WHERE ep.arxiv_id = d.arxiv_id AND e.frequency = $4 AND e.day < $1::date)
    GROUP BY d.arxiv_id
    ORDER BY max(d.score) DESC, min(d.rank), d.arxiv_id
    LIMIT $3`,

  /** How many papers were featured in a range of days at all: to explain an empty edition. */
  featuredCount: `SELECT count(DISTINCT arxiv_id)::int AS count FROM paper_days WHERE day BETWEEN $1::date AND $2::date`,

  /** Takes the (frequency, day) slot; returns nothing when another build already has it. */
  insertEdition: `
    INSERT INTO editions (frequency, day, status, empty_reason, build_note) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (frequency, day) DO NOTHING
    RETURNING id`,

  insertEditionPapers: `
    INSERT INTO edition_papers (edition_id, position, arxiv_id, score)
    SELECT $1, ordinality, arxiv_id, score
    FROM unnest($2::text[], $3::double precision[]) WITH ORDINALITY AS t(arxiv_id, score, ordinality)`,

  findEdition: `
    SELECT id, frequency, day::text AS day, status, empty_reason, build_note, built_at
    FROM editions WHERE frequency = $1 AND day = $2`,

  /** The same, locked until the transaction ends: one build at a time fills or rebuilds it. */
  lockEdition: `
    SELECT id, status FROM editions WHERE frequency = $1 AND day = $2 FOR UPDATE`,

  /**
   * How many of edition $1's deliveries a sender has taken (sent, sending, failed, cancelled, or
   * tried and waiting to retry): once one has, the edition never changes. The rows are locked
   * so that no sender takes one while the edition is rebuilt.
   */
  deliveriesTakenOf: `
    SELECT count(*) FILTER (WHERE status <> 'pending' OR attempts > 0 OR expired_leases > 0)::int AS taken
    FROM (SELECT status, attempts, expired_leases FROM deliveries WHERE edition_id = $1 FOR UPDATE) AS d`,

  /** An edition's content replaced: filled once its papers arrived, or rebuilt by hand. */
  updateEdition: `
    UPDATE editions SET status = $2, empty_reason = $3, build_note = $4, built_at = now() WHERE id = $1`,

  deleteEditionPapers: `DELETE FROM edition_papers WHERE edition_id = $1`,

  /** Weekdays from $1 on whose daily edition is stored empty: their papers may still come. */
  emptyDailyWeekdaysSince: `
    SELECT day::text AS day FROM editions
    WHERE frequency = 'daily' AND status = 'empty' AND day >= $1 AND extract(isodow FROM day) < 6
    ORDER BY day`,

  /** The ready editions of frequency $1 just before and just after day $2: the archive's arrows. */
  neighbours: `
    SELECT
      (SELECT day::text FROM editions WHERE frequency = $1 AND status = 'ready' AND day < $2
       ORDER BY day DESC LIMIT 1) AS previous,
      (SELECT day::text FROM editions WHERE frequency = $1 AND status = 'ready' AND day > $2
       ORDER BY day LIMIT 1) AS next`,

  findEditionById: `
    SELECT id, frequency, day::text AS day, status, empty_reason, build_note, built_at FROM editions WHERE id = $1`,

  editionPapers: `
    SELECT ${PAPER_COLUMNS}, ep.position, ep.score
    FROM edition_papers ep JOIN papers p USING (arxiv_id)
    WHERE ep.edition_id = $1
    ORDER BY ep.position`,

  /** Papers by id, for an edition drafted but not stored (a preview). */
  papersByIds: `SELECT ${PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id = ANY($1::text[])`,

  /** The archive: editions newest first, with their paper counts. */
  listEditions: `
    SELECT e.id, e.frequency, e.day::text AS day, e.status, e.empty_reason, e.build_note, e.built_at,
           (SELECT count(*)::int FROM edition_papers ep WHERE ep.edition_id = e.id) AS paper_count
    FROM editions e
    WHERE ($1::text IS NULL OR e.status = $1)
    ORDER BY e.day DESC, e.frequency
    LIMIT $2`,
} as const;
