/** Every SQL statement of the papers room. */

const PAPER_FIELDS = `title, abstract, authors, upvotes, num_comments, github_repo, github_stars, project_page,
  ai_summary, ai_keywords, thumbnail, published_at, submitted_on_daily_at, organization`;

export const paperQueries = {
  /**
   * Inserts a paper or brings it up to date. The latest counts win: those of the latest day
   * the paper is featured on ($18), so re-ingesting an older day never rolls them back. $19 is the
   * organisation as the API gives it (`{ name, fullname }`), or null.
   * Returns a row only when something was written, with `inserted` telling new from updated.
   */
  upsertPaper: `
    INSERT INTO papers (arxiv_id, ${PAPER_FIELDS}, hf_url, arxiv_url, pdf_url)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $19, $15, $16, $17)
    ON CONFLICT (arxiv_id) DO UPDATE SET
      (${PAPER_FIELDS}, hf_url, arxiv_url, pdf_url, updated_at) = (
        EXCLUDED.title, EXCLUDED.abstract, EXCLUDED.authors, EXCLUDED.upvotes, EXCLUDED.num_comments,
        EXCLUDED.github_repo, EXCLUDED.github_stars, EXCLUDED.project_page, EXCLUDED.ai_summary,
        EXCLUDED.ai_keywords, EXCLUDED.thumbnail, EXCLUDED.published_at, EXCLUDED.submitted_on_daily_at,
        EXCLUDED.organization, EXCLUDED.hf_url, EXCLUDED.arxiv_url, EXCLUDED.pdf_url, now())
    WHERE (papers.${PAPER_FIELDS.replace(/,\s*/g, ', papers.')})
      IS DISTINCT FROM (EXCLUDED.${PAPER_FIELDS.replace(/,\s*/g, ', EXCLUDED.')})
      AND NOT EXISTS (SELECT 1 FROM paper_days later WHERE later.arxiv_id = EXCLUDED.arxiv_id AND later.day > $18)
    RETURNING (xmax = 0) AS inserted`,

  upsertPaperDay: `
    INSERT INTO paper_days (day, arxiv_id, rank, upvotes, num_comments, github_stars, score)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (day, arxiv_id) DO UPDATE SET
      rank = EXCLUDED.rank, upvotes = EXCLUDED.upvotes, num_comments = EXCLUDED.num_comments,
      github_stars = EXCLUDED.github_stars, score = EXCLUDED.score, ingested_at = now()`,

  /** How many papers are stored as featured on day $1. */
  countFeaturedOn: `SELECT count(*)::int AS count FROM paper_days WHERE day = $1`,

  countPapers: 'SELECT count(*)::int AS count FROM papers',

  /** One ingest of a day, as it ended: counts, or the error (an anomaly or not) that stored nothing. */
  recordIngestRun: `
    INSERT INTO ingest_runs (day, source, new_count, updated_count, unchanged_count, skipped_count, error,
      started_at, anomaly)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,

  /** The latest ingests, newest first ($1 rows). */
  recentIngestRuns: `
    SELECT id, to_char(day, 'YYYY-MM-DD') AS day, source, new_count, updated_count, unchanged_count, skipped_count,
      error, anomaly, started_at, finished_at
    FROM ingest_runs ORDER BY started_at DESC, id DESC LIMIT $1`,

  /** Ingests by outcome, for the metrics. */
  countIngestRuns: `
    SELECT CASE WHEN anomaly THEN 'anomaly' WHEN error IS NULL THEN 'stored' ELSE 'failed' END AS outcome,
      count(*)::int AS count
    FROM ingest_runs GROUP BY 1`,

  findPaper: 'SELECT * FROM papers WHERE arxiv_id = $1',

  /**
   * What the ingests of day $1 say about it: when the latest successful one that started after
   * the day ended in UTC (its list complete) started, and the latest run of any outcome.
   */
  dayIngestState: `
    SELECT
      (SELECT max(started_at) FROM ingest_runs
       WHERE day = $1 AND error IS NULL AND started_at >= ($1::date + 1)::timestamp AT TIME ZONE 'UTC') AS complete_at,
      last.started_at AS last_at, last.error AS last_error
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT started_at, error FROM ingest_runs WHERE day = $1 ORDER BY started_at DESC, id DESC LIMIT 1
    ) AS last ON true`,
} as const;
