import type pg from 'pg';
import pino from 'pino';
import { fanOut } from '../../src/delivery/fan-out.ts';
import type { Edition, EditionPaper } from '../../src/digest/editions.ts';
import { renderPersonalDigest } from '../../src/digest/personal-digest.ts';
import type { Recipient } from '../../src/digest/render.ts';
import type { App } from '../../src/http/app.ts';
import { ingestDays } from '../../src/papers/ingest.ts';
import { FileSource } from '../../src/papers/sources.ts';
import { DEFAULT_PREFERENCES } from '../../src/subscribers/preferences.ts';
import { FIXTURES_DIR } from './papers-api.ts';

const FIXTURE_DAYS = ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12'];

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

/**
 * One day's daily edition (built if needed) and a reader's digest of it with the default
 * preferences, composed as the sender does: the digest is there whenever the day has papers.
 */
export async function dailyDigest(app: App, day: string, recipient: Recipient) {
  const { edition } = await app.services.editions.build('daily', day);
  const mail = await renderPersonalDigest({
    edition,
    preferences: DEFAULT_PREFERENCES,
    recipient,
    renderer: app.services.renderer,
  });
  if (!mail) throw new Error(`the daily edition of ${day} has no digest to compose`);
  return { edition, mail };
}

/**
 * `count` active readers (reader1@example.org …), and the daily edition of 2026-03-11 fanned
 * out to them, due now: the start of every test of sending at volume.
 */
export async function readersWithDueEdition(app: App, count: number): Promise<Edition> {
  const { pool } = app.services.db;
  await pool.query(
    `INSERT INTO subscribers (email, status, confirmed_at)
     SELECT 'reader' || g || '@example.org', 'active', now() FROM generate_series(1, $1) g`,
    [count],
  );
  const { edition } = await app.services.editions.build('daily', '2026-03-11');
  await fanOut(pool, edition, { now: true });
  return edition;
}
