import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fanOut } from '../src/delivery/fan-out.ts';
import { FREQUENCY_RULES } from '../src/frequency.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource } from '../src/papers/sources.ts';
import { publishRecentEditions } from '../src/worker/publish-editions.ts';
import { useTestBed } from './helpers/test-bed.ts';

// A monthly digest, as Hugging Face ranks a month: June 2026's real days, each paper once at its
// best score, sent on the day of July each reader picks, at their hour in their zone.

const REAL_DIR = path.resolve(import.meta.dirname, 'fixtures/hf-real');
const JUNE = [
  '2026-06-01',
  '2026-06-02',
  '2026-06-03',
  '2026-06-04',
  '2026-06-08',
  '2026-06-09',
  '2026-06-10',
  '2026-06-11',
  '2026-06-12',
  '2026-06-15',
  '2026-06-16',
  '2026-06-17',
  '2026-06-18',
  '2026-06-19',
  '2026-06-22',
  '2026-06-23',
  '2026-06-24',
  '2026-06-25',
  '2026-06-26',
  '2026-06-29',
  '2026-06-30',
];
const bed = useTestBed({ truncate: ['papers', 'ingest_runs', 'editions', 'subscribers'] });

describe('the monthly rule', () => {
  const { monthly } = FREQUENCY_RULES;
  it('keys an edition by its month, spans the whole month, and sends it in the next', () => {
    expect(monthly.editionDay('2026-03-17')).toBe('2026-03-01');
    expect(monthly.lastDay('2026-03-01')).toBe('2026-03-31');
    expect(monthly.lastDay('2028-02-01')).toBe('2028-02-29');
    expect(monthly.sendDay('2026-12-01')).toBe('2027-01-01');
    expect(monthly.lookedAfter('2026-04-03')).toEqual(['2026-03-01']);
    expect(monthly.lookedAfter('2026-01-31')).toEqual(['2025-12-01']);
    expect(monthly.describeSpan('2026-06-01')).toBe('June 2026');
  });
});

describe('a monthly edition of real days', () => {
  it('holds June’s papers once each, best first, and is due on each reader’s day of July', {
    timeout: 120_000,
  }, async () => {
    await ingestDays(bed.pool, new FileSource(REAL_DIR), JUNE, pino({ level: 'silent' }));
    const answer = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: {
        email: 'monthly@example.org',
        frequency: 'monthly',
        monthDay: 15,
        deliveryHour: 9,
        timezone: 'Europe/Paris',
      },
    });
    expect(answer.statusCode).toBe(202);
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);

    // the schedule on 2 July builds last month's edition
    const published = await publishRecentEditions({
      pool: bed.pool,
      editions: bed.app.services.editions,
      log: pino({ level: 'silent' }),
      now: new Date('2026-07-02T00:05:00Z'),
    });
    const june = published.find((p) => p.edition.frequency === 'monthly')?.edition;
    expect(june?.day).toBe('2026-06-01');
    expect(june?.status).toBe('ready');
    const ids = june?.papers.map((p) => p.arxivId) ?? [];
    expect(ids.length).toBe(100);
    expect(new Set(ids).size).toBe(ids.length);
    const scores = june?.papers.map((p) => p.score) ?? [];
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // featured on 06-10 and again on 06-16: one card, at its better score
    const { rows } = await bed.pool.query<{ score: number }>(
      `SELECT max(score) AS score FROM paper_days WHERE arxiv_id = '2606.11176'`,
    );
    const repeated = june?.papers.filter((p) => p.arxivId === '2606.11176') ?? [];
    expect(repeated.length).toBeLessThanOrEqual(1);
    if (repeated[0]) expect(repeated[0].score).toBeCloseTo(Number(rows[0]?.score));

    const due = await bed.pool.query<{ due_at: Date }>(
      `SELECT d.due_at FROM deliveries d WHERE d.kind = 'digest' AND d.edition_id = $1`,
      [june?.id],
    );
    // 15 July, 09:00 in Paris (summer time, UTC+2)
    expect(due.rows.map((r) => r.due_at.toISOString())).toEqual(['2026-07-15T07:00:00.000Z']);
    expect(await fanOut(bed.pool, june as NonNullable<typeof june>, { now: false })).toBe(0);

    const page = await bed.app.inject({ url: '/digests/2026-06-01?frequency=monthly' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Trending papers of June 2026');
  });

  it('refuses a day of the month that not every month has, naming the field', async () => {
    const answer = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'late@example.org', frequency: 'monthly', monthDay: 31 },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().field).toBe('monthDay');
  });

  it('waits for the month to end, and says so', async () => {
    const waiting = await bed.app.services.editions.build(
      'monthly',
      '2026-06-10',
      new Date('2026-06-20T12:00:00Z'),
    );
    expect(waiting.edition.status).toBe('waiting');
    expect(waiting.edition.emptyReason).toContain('June 2026 ends at 2026-07-01 00:00 UTC');
  });
});
