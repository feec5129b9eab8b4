import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { HuggingFaceSource, retryAfterMs } from '../src/papers/hugging-face-source.ts';
import { ingestDay } from '../src/papers/ingest.ts';
import { joinHardLineBreaks } from '../src/papers/normalize.ts';
import { trendingScore } from '../src/papers/score.ts';
import { FileSource, SAMPLE_DIR, SourceError } from '../src/papers/sources.ts';
import { TEST_SECRET_KEY, testConfig } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { capturingLogger, FIXTURES_DIR, type PapersApi, startPapersApi } from './helpers/papers-api.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';

const defaults = testConfig({});
let database: ScratchDatabase;
let pool: pg.Pool;
let api: PapersApi;

beforeAll(async () => {
  database = await createScratchDatabase();
  pool = createPool(database.url, 4);
  await migrate(pool);
  api = await startPapersApi();
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await pool?.end();
  await api?.close();
  await dropUnlessFailed(database, suite);
});

beforeEach(async () => {
  await pool.query('TRUNCATE papers CASCADE');
  api.requests.length = 0;
  api.behaviours.length = 0;
  api.overrides.clear();
});

function source(options: Partial<ConstructorParameters<typeof HuggingFaceSource>[0]> = {}) {
  const { log, lines } = capturingLogger();
  return {
    lines,
    log,
    source: new HuggingFaceSource({
      baseUrl: api.url,
      userAgent: 'Paperboy/test',
      log,
      // the configured defaults (ConfigSchema), unless a test says otherwise
      timeoutMs: defaults.hfTimeoutMs,
      maxRetries: defaults.hfMaxRetries,
      pageSize: defaults.hfPageSize,
      baseDelayMs: 10,
      ...options,
    }),
  };
}

async function dump() {
  const papers = await pool.query('SELECT * FROM papers ORDER BY arxiv_id');
  const days = await pool.query(
    'SELECT day::text, arxiv_id, rank, upvotes, num_comments, github_stars, score FROM paper_days ORDER BY day, arxiv_id',
  );
  return { papers: papers.rows, days: days.rows };
}

async function paper(id: string) {
  return (await pool.query('SELECT * FROM papers WHERE arxiv_id = $1', [id])).rows[0];
}

describe('the Hugging Face source', () => {
  it('pages with p and limit until an empty page, with a descriptive User-Agent', async () => {
    const { source: hf, log } = source({ pageSize: 4, userAgent: 'Paperboy/0.1 (+https://paperboy.test)' });
    const result = await ingestDay(pool, hf, '2026-03-10', log);
    expect(result).toEqual({ date: '2026-03-10', new: 10, updated: 0, unchanged: 0, skipped: 0 });
    expect(api.requests.map((r) => new URL(r.url, api.url).searchParams.get('p'))).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);
    expect(api.requests.every((r) => r.url.includes('limit=4') && r.url.includes('date=2026-03-10'))).toBe(
      true,
    );
    expect(api.requests[0]?.headers['user-agent']).toBe('Paperboy/0.1 (+https://paperboy.test)');
  });

  it('waits as long as Retry-After asks after a 429, then succeeds', async () => {
    api.behaviours.push({ status: 429, retryAfter: '1' });
    const { source: hf, log, lines } = source();
    const started = Date.now();
    const result = await ingestDay(pool, hf, '2026-03-10', log);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.new).toBe(10);
    expect(lines.some((line) => line.problem === 'answered 429' && line.retryInMs === 1000)).toBe(true);
  });

  it('retries 5xx with backoff and gives up after the last retry, storing nothing', async () => {
    await ingestDay(pool, new FileSource(FIXTURES_DIR), '2026-03-09', capturingLogger().log);
    const before = await dump();
    for (let i = 0; i < 3; i++) api.behaviours.push({ status: 503 });
    const { source: hf, log } = source({ maxRetries: 2 });
    await expect(ingestDay(pool, hf, '2026-03-10', log)).rejects.toThrow(
      /answered 503, giving up after 3 attempts/,
    );
    expect(api.requests).toHaveLength(3);
    expect(await dump()).toEqual(before);
  });

  it('recovers when a 500 is followed by success', async () => {
    api.behaviours.push({ status: 500 });
    const { source: hf, log } = source({ maxRetries: 2 });
    expect((await ingestDay(pool, hf, '2026-03-10', log)).new).toBe(10);
  });

  it('times out a request that never answers, and retries it', async () => {
    api.behaviours.push({ hang: true }, { hang: true });
    const { source: hf, log } = source({ timeoutMs: 200, maxRetries: 1 });
    await expect(ingestDay(pool, hf, '2026-03-10', log)).rejects.toThrow(
      /no answer within 200 ms, giving up after 2 attempts/,
    );
    api.behaviours.push({ hang: true });
    expect((await ingestDay(pool, hf, '2026-03-10', log)).new).toBe(10);
  });

  it('does not retry a 400 (a bad date)', async () => {
    api.behaviours.push({ status: 400, body: '{"error":"Invalid date"}' });
    const { source: hf, log } = source();
    await expect(ingestDay(pool, hf, '2026-03-10', log)).rejects.toThrow(/answered 400/);
    expect(api.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(
      10_000,
    );
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('malformed answers', () => {
  it('fails a truncated body with a clear error, storing nothing for that day and keeping earlier data', async () => {
    await ingestDay(pool, new FileSource(FIXTURES_DIR), '2026-03-10', capturingLogger().log);
    const before = await dump();
    api.overrides.set('2026-03-10', 'malformed-truncated.json');
    const { source: hf, log } = source();
    const failure = ingestDay(pool, hf, '2026-03-10', log);
    await expect(failure).rejects.toBeInstanceOf(SourceError);
    await expect(failure).rejects.toThrow(/not valid JSON/);
    expect(await dump()).toEqual(before);
  });

  it('fails a body that is JSON but not an array', async () => {
    api.behaviours.push({ body: '{"error":"maintenance"}' });
    const { source: hf, log } = source();
    await expect(ingestDay(pool, hf, '2026-03-10', log)).rejects.toThrow(
      /expected a JSON array of papers, got object/,
    );
    expect((await dump()).papers).toHaveLength(0);
  });

  it('skips invalid items with a warning naming each, and stores the valid one', async () => {
    api.overrides.set('2026-03-10', 'malformed-items.json');
    const { source: hf, log, lines } = source();
    const result = await ingestDay(pool, hf, '2026-03-10', log);
    expect(result).toMatchObject({ new: 1, skipped: 2 });
    const warnings = lines.filter((line) => line.level === 40).map((line) => String(line.msg));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/skipping item 1 of 2026-03-10: \/paper must have required properties/);
    expect(warnings[1]).toMatch(
      /skipping item 2 of 2026-03-10: \(item\) must have required properties paper/,
    );
    expect((await dump()).papers.map((p) => p.arxiv_id)).toEqual(['2503.10000']);
  });
});

describe('storing', () => {
  it('keeps one row for a paper featured on two days, latest counts winning', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-10', log);
    const second = await ingestDay(pool, hf, '2026-03-11', log);
    expect(second).toMatchObject({ new: 10, updated: 1 });
    const { rows } = await pool.query(
      `SELECT day::text, upvotes, num_comments FROM paper_days WHERE arxiv_id = '2503.10370' ORDER BY day`,
    );
    expect(rows).toEqual([
      { day: '2026-03-10', upvotes: 13, num_comments: 8 },
      { day: '2026-03-11', upvotes: 38, num_comments: 8 },
    ]);
    expect(
      (await pool.query(`SELECT count(*)::int AS n FROM papers WHERE arxiv_id = '2503.10370'`)).rows[0].n,
    ).toBe(1);
    expect((await paper('2503.10370')).upvotes).toBe(38);

    // ingesting the earlier day again does not roll the counts back
    expect(await ingestDay(pool, hf, '2026-03-10', log)).toMatchObject({ updated: 0, unchanged: 10 });
    expect((await paper('2503.10370')).upvotes).toBe(38);
  });

  it('is idempotent: ingesting a day again changes nothing', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-12', log);
    const before = await dump();
    const again = await ingestDay(pool, hf, '2026-03-12', log);
    expect(again).toEqual({ date: '2026-03-12', new: 0, updated: 0, unchanged: 10, skipped: 0 });
    const after = await dump();
    expect(after.papers).toEqual(before.papers);
    expect(after.days).toEqual(before.days);
  });

  it('stores a title with HTML-special and non-ASCII characters exactly', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-12', log);
    expect((await paper('2503.11147')).title).toBe(
      'Résumé <b>bold</b> & "quoted" — Ünïcode titles survive: LABOR-LLM: Language-Based Occupational Representations with Large Language Models',
    );
  });

  it('stores an item with only the required fields', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-12', log);
    expect(await paper('2503.11184')).toMatchObject({
      title: 'A Hybrid Deep Learning-based Approach for Optimal Genotype by Environment Selection',
      upvotes: 12,
      num_comments: 1,
      github_repo: null,
      github_stars: null,
      project_page: null,
      ai_summary: null,
      ai_keywords: [],
      submitted_on_daily_at: new Date('2026-03-12T07:49:12.000Z'),
      authors: [
        { name: 'Lukas Nguyen', hidden: false },
        { name: 'Ioana Iyer', hidden: false },
        { name: 'Zoë Nguyen', hidden: false },
      ],
    });
  });

  it('normalises text and derives the links from the arXiv id', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-10', log);
    const nola = await paper('2503.10370');
    expect(nola).toMatchObject({
      hf_url: 'https://huggingface.co/papers/2503.10370',
      arxiv_url: 'https://arxiv.org/abs/2503.10370',
      pdf_url: 'https://arxiv.org/pdf/2503.10370',
    });
    expect(nola.abstract).not.toContain('\n');
    expect(nola.abstract).toMatch(
      /^Large Language Models \(LLMs\) have recently gained popularity due to their impressive few-shot/,
    );
    expect(nola.ai_summary).toMatch(/^Large Language Models/);
    expect(nola.ai_keywords.length).toBeGreaterThan(0);
    expect(nola.authors[0]).toEqual({ name: 'Ioana García', hidden: false });
    const withRepo = await paper('2503.10444');
    expect(withRepo.github_stars).toBe(439);
    expect(withRepo.github_repo).toMatch(/^https:\/\/github\.com\//);
  });

  it('joins hard line breaks into paragraphs', () => {
    expect(joinHardLineBreaks('One line\nwrapped  here.\n\nSecond\r\nparagraph.\n')).toBe(
      'One line wrapped here.\n\nSecond paragraph.',
    );
  });
});

describe('the trending score', () => {
  it('pins the order of 2026-03-10 and 2026-03-12', async () => {
    const { source: hf, log } = source();
    await ingestDay(pool, hf, '2026-03-10', log);
    await ingestDay(pool, hf, '2026-03-12', log);
    const order = async (day: string) =>
      (
        await pool.query('SELECT arxiv_id FROM paper_days WHERE day = $1 ORDER BY score DESC', [day])
      ).rows.map((r) => r.arxiv_id);
    expect(await order('2026-03-10')).toEqual([
      '2503.10444',
      '2503.10555',
      '2503.10629',
      '2503.10370',
      '2503.10592',
      '2503.10666',
      '2503.10481',
      '2503.10407',
      '2503.10518',
      '2503.10703',
    ]);
    expect(await order('2026-03-12')).toEqual([
      '2503.11110',
      '2503.11147',
      '2503.11258',
      '2503.11443',
      '2503.11369',
      '2503.11295',
      '2503.11184',
      '2503.11221',
      '2503.11332',
      '2503.11406',
    ]);
  });

  it('weighs comments double, stars logarithmically, and halves a week-old paper', () => {
    const fresh = {
      upvotes: 10,
      numComments: 0,
      githubStars: null,
      publishedAt: new Date('2026-03-11T00:00:00Z'),
    };
    expect(trendingScore(fresh, '2026-03-10')).toBe(10);
    expect(trendingScore({ ...fresh, numComments: 1 }, '2026-03-10')).toBe(12);
    expect(trendingScore({ ...fresh, githubStars: 999 }, '2026-03-10')).toBe(25);
    expect(trendingScore({ ...fresh, publishedAt: new Date('2026-03-04T00:00:00Z') }, '2026-03-10')).toBe(5);
  });
});

describe('offline sources', () => {
  it('reads a folder of YYYY-MM-DD.json, a day without a file having no papers', async () => {
    const folder = new FileSource(FIXTURES_DIR);
    expect(await folder.availableDays()).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12']);
    expect(await folder.fetchDay('2026-03-14')).toEqual([]);
    expect(await new FileSource(SAMPLE_DIR).availableDays()).toEqual([
      '2026-07-24',
      '2026-07-27',
      '2026-07-28',
      '2026-07-29',
    ]);
  });

  it('fails a missing file clearly', async () => {
    await expect(new FileSource('/nonexistent/papers.json').fetchDay('2026-03-10')).rejects.toThrow(
      /no such file or folder/,
    );
  });
});

describe('paperboy ingest', () => {
  const env = () => ({
    DATABASE_URL: database.url,
    HF_API_URL: api.url,
    SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'silent',
  });

  it('stores a day from the API and prints what it did', async () => {
    const result = await runCli(['ingest', '--date', '2026-03-10'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('2026-03-10: 10 new, 0 updated, 0 unchanged, 0 skipped');
    expect(api.requests[0]?.url).toContain('/api/daily_papers?date=2026-03-10');
    expect((await paper('2503.10444')).arxiv_url).toBe('https://arxiv.org/abs/2503.10444');
  });

  it('reads a file source and the bundled sample', async () => {
    const file = await runCli(
      ['ingest', '--source', `file:${FIXTURES_DIR}/2026-03-11.json`, '--date', '2026-03-11'],
      env(),
    );
    expect(file.stdout.trim()).toBe('2026-03-11: 11 new, 0 updated, 0 unchanged, 0 skipped');
    const sample = await runCli(['ingest', '--source', 'sample'], env());
    expect(sample.code, sample.stderr).toBe(0);
    expect(sample.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('exits 1 naming the day that failed, and refuses a bad date', async () => {
    api.overrides.set('2026-03-10', 'malformed-truncated.json');
    const failed = await runCli(['ingest', '--date', '2026-03-10'], env());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/2026-03-10: failed: .*not valid JSON/);
    const bad = await runCli(['ingest', '--date', '2026-02-30'], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--date: expected a date as YYYY-MM-DD, got "2026-02-30"');
  });
});

describe('organisations', () => {
  it("stores each real paper's organisation as the API gives it (name, fullname), null where it gives none", async () => {
    const dir = new URL('./fixtures/hf-real', import.meta.url).pathname;
    const items = JSON.parse(readFileSync(`${dir}/2026-06-10.json`, 'utf8')) as Array<{
      paper: { id: string; organization?: { name: string; fullname: string } };
    }>;
    await ingestDay(pool, new FileSource(dir), '2026-06-10', capturingLogger().log);
    const { rows } = await pool.query<{ arxiv_id: string; organization: unknown }>(
      'SELECT arxiv_id, organization FROM papers',
    );
    const stored = new Map(rows.map((row) => [row.arxiv_id, row.organization]));
    expect(items.some((item) => item.paper.organization)).toBe(true);
    expect(items.some((item) => !item.paper.organization)).toBe(true);
    for (const { paper } of items)
      expect(stored.get(paper.id), paper.id).toEqual(
        // whitespace collapsed, as in every text field ("shanghai ailab " → "shanghai ailab")
        paper.organization
          ? {
              name: paper.organization.name,
              fullname: paper.organization.fullname.replace(/\s+/g, ' ').trim(),
            }
          : null,
      );
  });
});
