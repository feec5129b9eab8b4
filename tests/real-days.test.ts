import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { renderPersonalDigest } from '../src/digest/personal-digest.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { useTestBed } from './helpers/test-bed.ts';

// All 51 real days of the Hugging Face feed this project holds: 47 under tests/fixtures/hf-real,
// the 4 latest as the bundled sample (each day stored once). See their READMEs for provenance.
const REAL_DIR = path.resolve(import.meta.dirname, 'fixtures/hf-real');
const bed = useTestBed({ truncate: ['papers', 'ingest_runs', 'editions'] });

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

describe('a real abstract on the archive and in the feed', () => {
  it('shows the whole abstract with its paragraphs, while the mail keeps its short blurb', {
    timeout: 60_000,
  }, async () => {
    const log = pino({ level: 'silent' });
    await ingestDays(bed.pool, new FileSource(SAMPLE_DIR), ['2026-07-29'], log);
    const raw = JSON.parse(readFileSync(path.join(SAMPLE_DIR, '2026-07-29.json'), 'utf8')).find(
      (item: { paper: { id: string } }) => item.paper.id === '2607.25431',
    ).paper.summary as string;
    const [first, second] = raw.split('\n  ').map((part) => part.replace(/\s+/g, ' ').trim());
    expect(second).toMatch(/^Across 100 snapshots/);
    const { rows } = await bed.pool.query(`SELECT abstract FROM papers WHERE arxiv_id = '2607.25431'`);
    expect(rows[0].abstract).toBe(`${first}\n\n${second}`);

    const { edition } = await bed.app.services.editions.build('daily', '2026-07-29');
    const escaped = (text: string) =>
      text
        .replaceAll('&', '&amp;')
        .replaceAll('<', '&lt;')
        .replaceAll('"', '&quot;')
        .replaceAll("'", '&#39;');
    const archive = await bed.app.inject({ method: 'GET', url: '/digests/2026-07-29' });
    expect(archive.body).toContain(`<p>${escaped(first as string)}</p>`);
    expect(archive.body).toContain(`<p>${escaped(second as string)}</p>`);
    const feed = await bed.app.inject({ method: 'GET', url: '/feed.xml' });
    expect(feed.body).toContain(`<p>${escaped(second as string)}</p>`);

    const mail = await renderPersonalDigest({
      edition,
      preferences: { ...DEFAULT_PREFERENCES, maxPapers: 50 },
      recipient: {
        email: 'a@example.org',
        preferencesUrl: 'https://x.test/p',
        unsubscribeUrl: 'https://x.test/u',
      },
      renderer: bed.app.services.renderer,
    });
    expect(mail?.html).toContain((first as string).slice(0, 60));
    expect(mail?.html).not.toContain((second as string).slice(0, 60));
  });
});
