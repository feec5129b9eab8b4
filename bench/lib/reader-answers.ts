import type pg from 'pg';

/**
 * Gives `count` readers (the first by address) three "more like this" and one "less like this" on
 * papers picked per reader, as readers of bench:delivery and bench:scoring who taught their digest.
 */
export async function addReaderAnswers(pool: pg.Pool, count: number): Promise<void> {
  if (count === 0) return;
  await pool.query(
    `INSERT INTO reader_signals (subscriber_id, arxiv_id, signal)
     SELECT s.id, p.arxiv_id, CASE WHEN k < 3 THEN 1 ELSE -1 END
     FROM (SELECT id FROM subscribers ORDER BY email LIMIT $1) s
     CROSS JOIN generate_series(0, 3) k
     CROSS JOIN LATERAL (SELECT arxiv_id FROM papers ORDER BY md5(s.id::text || k || arxiv_id) LIMIT 1) p
     ON CONFLICT DO NOTHING`,
    [count],
  );
  await pool.query(
    'UPDATE subscribers SET learned_at = now() WHERE id IN (SELECT subscriber_id FROM reader_signals)',
  );
}
