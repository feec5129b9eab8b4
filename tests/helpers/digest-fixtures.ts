import type pg from 'pg';
import pino from 'pino';
import type { Edition, EditionPaper } from '../../src/digest/editions.ts';
import { ingestDays } from '../../src/papers/ingest.ts';
import { FileSource } from '../../src/papers/sources.ts';
import { FIXTURES_DIR } from './papers-api.ts';

export const FIXTURE_DAYS = ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12'];

/** Stores the four fixture days, as `paperboy ingest --source file:…` would. */
export async function ingestFixtures(pool: pg.Pool): Promise<void> {
  const { failures } = await ingestDays(
    pool,
    new FileSource(FIXTURES_DIR),
    FIXTURE_DAYS,
    pino({ level: 'silent' }),
  );
  if (failures.length > 0) throw failures[0]?.error;
}

/** An edition of `count` papers made from real ones, for size limits beyond the fixtures. */
export function largeEdition(papers: EditionPaper[], count: number): Edition {
  const many = Array.from({ length: count }, (_, index) => {
    const paper = papers[index % papers.length] as EditionPaper;
    return { ...paper, arxivId: `2599.${String(10000 + index)}`, position: index + 1 };
  });
  return { id: 999, frequency: 'daily', day: '2026-03-11', status: 'ready', emptyReason: null, papers: many };
}
