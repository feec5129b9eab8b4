import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { useTestBed } from './helpers/test-bed.ts';

// All 51 real days of the Hugging Face feed this project holds: 47 under tests/fixtures/hf-real,
// the 4 latest as the bundled sample (each day stored once). See their READMEs for provenance.
const REAL_DIR = path.resolve(import.meta.dirname, 'fixtures/hf-real');
const bed = useTestBed({ truncate: ['papers', 'ingest_runs'] });

function daysIn(dir: string): Array<{ day: string; ids: string[] }> {
  return readdirSync(dir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}\.json$/.test(name))
    .map((name) => ({
      day: name.slice(0, 10),
      ids: JSON.parse(readFileSync(path.join(dir, name), 'utf8')).map(
        (item: { paper: { id: string } }) => item.paper.id,
      ),
    }));
}

describe('51 real days of the feed', () => {
  it('ingests every item, skipping none, and keeps a paper featured twice once, with its later date', {
    timeout: 120_000,
  }, async () => {
    const real = daysIn(REAL_DIR);
    const sample = daysIn(SAMPLE_DIR);
    expect(real.length + sample.length).toBe(51);
    const log = pino({ level: 'silent' });
    const stored = [
      ...(
        await ingestDays(
          bed.pool,
          new FileSource(REAL_DIR),
          real.map((d) => d.day),
          log,
        )
      ).results,
      ...(
        await ingestDays(
          bed.pool,
          new FileSource(SAMPLE_DIR),
          sample.map((d) => d.day),
          log,
        )
      ).results,
    ];
    expect(stored).toHaveLength(51);
    expect(stored.reduce((sum, r) => sum + r.skipped, 0)).toBe(0);

    const items = [...real, ...sample].flatMap((d) => d.ids.map((id) => ({ id, day: d.day })));
    expect(items).toHaveLength(1295);
    const daysOf = new Map<string, string[]>();
    for (const { id, day } of items) daysOf.set(id, [...(daysOf.get(id) ?? []), day]);
    const papers = await bed.pool.query('SELECT count(*)::int AS n FROM papers');
    expect(papers.rows[0].n).toBe(daysOf.size);

    const repeated = [...daysOf].filter(([, days]) => days.length > 1);
    expect(repeated.map(([id]) => id)).toContain('2606.11176');
    for (const [id, days] of repeated) {
      const later = days.sort().at(-1);
      const { rows } = await bed.pool.query(
        `SELECT to_char(submitted_on_daily_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
           (SELECT array_agg(day::text ORDER BY day) FROM paper_days d WHERE d.arxiv_id = p.arxiv_id) AS featured
         FROM papers p WHERE arxiv_id = $1`,
        [id],
      );
      expect(rows).toEqual([{ day: later, featured: days.sort() }]);
    }
  });
});
