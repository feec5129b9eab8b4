/**
 * Ranking one edition for 100,000 readers, 20,000 of them with answers of their own (the target:
 * under 60 s on a 2-core machine), as the sender does it: each reader's selection is computed
 * where their message is composed, from their keywords, and for a reader who taught something
 * from what they taught, read in one query. The fan-out of the same edition is timed beside it:
 * it stays one statement, and no ranking happens while the ledger is written.
 *
 *   npm run bench:scoring [-- --readers 100000 --learned 20000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { fanOut } from '../src/delivery/fan-out.ts';
import { Editions } from '../src/digest/editions.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { startProgress } from '../src/progress.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { feedbackOf } from '../src/subscribers/store.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { reportFigures } from './lib/figures.ts';
import { addReaderAnswers } from './lib/reader-answers.ts';

const { values } = parseArgs({
  options: {
    readers: { type: 'string', default: '100000' },
    learned: { type: 'string', default: '20000' },
  },
});
const READERS = Number(values.readers);
const LEARNED = Math.min(Number(values.learned), READERS);
const KEYWORDS = ['LoRA', 'diffusion', 'regression', 'language', 'neural', 'learning', 'scaling', 'agents'];

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const database = await createScratchDatabase(server);
  const pool = createPool(database.url, 4);
  try {
    await migrate(pool);
    console.log(`database: ${server ? new URL(server).host : 'embedded PGlite'}`);
    const source = new FileSource(SAMPLE_DIR);
    await ingestDays(pool, source, await source.availableDays(), pino({ level: 'silent' }));
    await pool.query(
      `INSERT INTO subscribers (email, status, confirmed_at, frequency, keywords, max_papers)
       SELECT 'reader' || g || '@example.org', 'active', now(), 'weekly',
              CASE WHEN g % 3 = 0 THEN ARRAY[]::text[] ELSE ARRAY[($2::text[])[1 + g % 8]] END, 5 + g % 3 * 5
       FROM generate_series(1, $1) g`,
      [READERS, KEYWORDS],
    );
    await addReaderAnswers(pool, LEARNED);
    await pool.query('ANALYZE');

    const editions = new Editions(pool);
    const { edition } = await editions.build('weekly', '2026-07-27');
    const fanOutStarted = performance.now();
    const fanned = await fanOut(pool, edition, { now: true });
    const fanOutMs = performance.now() - fanOutStarted;

    const { rows: readers } = await pool.query<{
      id: string;
      keywords: string[];
      keyword_mode: 'only' | 'boost';
      max_papers: number;
      learned_at: Date | null;
    }>('SELECT id, keywords, keyword_mode, max_papers, learned_at FROM subscribers');
    const progress = startProgress('ranking', readers.length);
    let loadMs = 0;
    let rankMs = 0;
    const distinct = new Set<string>();
    for (const reader of readers) {
      const loadStarted = performance.now();
      const feedback = reader.learned_at ? await feedbackOf(pool, { subscriberId: reader.id }) : undefined;
      const rankStarted = performance.now();
      const selection = selectPapers(
        edition,
        {
          ...DEFAULT_PREFERENCES,
          keywords: reader.keywords,
          keywordMode: reader.keyword_mode,
          maxPapers: reader.max_papers,
        },
        feedback,
      );
      rankMs += performance.now() - rankStarted;
      loadMs += rankStarted - loadStarted;
      if (feedback) distinct.add(selection.map((s) => s.paper.arxivId).join());
      progress.increment();
    }
    progress.stop();
    const total = (loadMs + rankMs) / 1000;
    console.log(
      `\nedition: ${edition.papers.length} papers; ${readers.length} readers, ${LEARNED} with answers`,
    );
    console.log(`| step | time |`);
    console.log('|---|---:|');
    console.log(`| fan-out, one statement (${fanned} rows) | ${(fanOutMs / 1000).toFixed(2)} s |`);
    console.log(
      `| reading what the ${LEARNED} learned readers taught (one query each) | ${(loadMs / 1000).toFixed(2)} s |`,
    );
    console.log(`| ranking all ${readers.length} readers | ${(rankMs / 1000).toFixed(2)} s |`);
    console.log(`| ranking, total | **${total.toFixed(1)} s** (target: under 60 s) |`);
    console.log(`\n${distinct.size} distinct selections among the ${LEARNED} learned readers`);
    reportFigures([
      {
        scenario: 'scoring',
        name: `ranking one edition for ${readers.length} readers, ${LEARNED} learned`,
        value: total,
        unit: 's',
        target: { bound: 60, better: 'lower' },
      },
    ]);
  } finally {
    await pool.end();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
