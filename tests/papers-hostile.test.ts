import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderPersonalDigest } from '../src/digest/personal-digest.ts';
import { DigestRenderer } from '../src/digest/render.ts';
import { HuggingFaceSource } from '../src/papers/hugging-face-source.ts';
import { IngestAnomaly, ingestDay } from '../src/papers/ingest.ts';
import { PAPER_LIMITS } from '../src/papers/normalize.ts';
import { MAX_ANSWER_BYTES, SourceError } from '../src/papers/sources.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { capturingLogger, type PapersApi, startPapersApi } from './helpers/papers-api.ts';
import { useTestBed } from './helpers/test-bed.ts';

// What the real feed can send that the well-behaved fixtures never did: empty answers for a day
// that has papers, runs of invalid items, control characters, giant fields, giant answers.

const bed = useTestBed({ truncate: ['papers', 'editions', 'ingest_runs'] });
let api: PapersApi;
const DAY = '2026-07-01';

beforeAll(async () => {
  api = await startPapersApi();
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  api.behaviours.length = 0;
  api.requests.length = 0;
});

/** An item in the API's shape, as the real feed sends it; `paper` fields overridable. */
function item(id: string, paper: Record<string, unknown> = {}, outer: Record<string, unknown> = {}) {
  return {
    paper: {
      id,
      title: `A paper about retrieval ${id}`,
      summary: 'We study retrieval.\n  A second paragraph, as arXiv writes it.',
      authors: [{ _id: 'a1', name: 'Ada Lovelace', hidden: false }],
      upvotes: 7,
      publishedAt: '2026-06-30T00:00:00.000Z',
      submittedOnDailyAt: `${DAY}T00:00:00.000Z`,
      ai_summary: 'Retrieval, studied.',
      ai_keywords: ['retrieval'],
      githubRepo: 'https://github.com/some-lab/retrieval',
      projectPage: 'https://some-lab.github.io/retrieval',
      ...paper,
    },
    numComments: 2,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${id}.png`,
    ...outer,
  };
}

function source() {
  const { log, lines } = capturingLogger();
  const hf = new HuggingFaceSource({
    baseUrl: api.url,
    userAgent: 'Paperboy/test',
    log,
    timeoutMs: 20_000,
    maxRetries: 0,
    pageSize: 50,
  });
  return { hf, log, lines };
}

/** The API answers `items` on page 0 (and [] on page 1) of the next fetch. */
function answer(items: unknown[]) {
  api.behaviours.push({ body: JSON.stringify(items) }, { body: '[]' });
}

async function storedDay(day = DAY) {
  const { rows } = await bed.pool.query(
    `SELECT d.arxiv_id, d.upvotes, p.title FROM paper_days d JOIN papers p USING (arxiv_id)
     WHERE d.day = $1 ORDER BY d.arxiv_id`,
    [day],
  );
  return rows;
}

async function lastRun() {
  const { rows } = await bed.pool.query('SELECT * FROM ingest_runs ORDER BY id DESC LIMIT 1');
  return rows[0];
}

describe('an ingest never loses what is stored', () => {
  it('keeps a day when a later answer is empty, and records an anomaly', async () => {
    const { hf, log } = source();
    answer([item('2607.00001'), item('2607.00002')]);
    await ingestDay(bed.pool, hf, DAY, log);
    const before = await storedDay();
    expect(before).toHaveLength(2);

    answer([]);
    const empty = ingestDay(bed.pool, hf, DAY, log);
    await expect(empty).rejects.toBeInstanceOf(IngestAnomaly);
    await expect(empty).rejects.toThrow(/answered an empty list for 2026-07-01, which has 2 stored papers/);
    expect(await storedDay()).toEqual(before);
    expect(await lastRun()).toMatchObject({ anomaly: true, new_count: null });
  });

  it('keeps a day when a later answer has only invalid items', async () => {
    const { hf, log } = source();
    answer([item('2607.00001')]);
    await ingestDay(bed.pool, hf, DAY, log);
    answer([{ paper: { id: '2607.00001' } }, { nonsense: true }, item('not-an-id')]);
    await expect(ingestDay(bed.pool, hf, DAY, log)).rejects.toThrow(/3 items, all 3 unusable/);
    expect(await storedDay()).toHaveLength(1);
    expect(await lastRun()).toMatchObject({ anomaly: true });
  });

  it('stores an empty answer for a day that has nothing yet, without an anomaly', async () => {
    const { hf, log } = source();
    answer([]);
    expect(await ingestDay(bed.pool, hf, DAY, log)).toMatchObject({ new: 0, skipped: 0 });
    expect(await lastRun()).toMatchObject({ anomaly: false, error: null });
  });

  it('keeps papers missing from a later answer, and updates those listed', async () => {
    const { hf, log } = source();
    answer([item('2607.00001'), item('2607.00002')]);
    await ingestDay(bed.pool, hf, DAY, log);
    answer([item('2607.00002', { upvotes: 40 })]);
    await ingestDay(bed.pool, hf, DAY, log);
    expect((await storedDay()).map((row) => [row.arxiv_id, row.upvotes])).toEqual([
      ['2607.00001', 7],
      ['2607.00002', 40],
    ]);
  });

  it('makes `paperboy ingest` exit 1 on an anomaly, saying so', async () => {
    const { hf, log } = source();
    answer([item('2607.00001')]);
    await ingestDay(bed.pool, hf, DAY, log);
    answer([]);
    const result = await runCli(['ingest', '--date', DAY], {
      DATABASE_URL: bed.database.url,
      HF_API_URL: api.url,
      SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/2026-07-01: failed: anomaly: the source answered an empty list/);
    expect(await storedDay()).toHaveLength(1);
  });
});

describe('one odd item never costs the day', () => {
  const hostile = '\u0000\u0007\u001b\u202e\u0085\u2066';

  it('strips NUL, BEL, ESC, C1 and bidi controls from every text field, keeping tabs, newlines and the rest', async () => {
    const { hf, log } = source();
    const dirty = (text: string) => `${hostile}${text}${hostile}`;
    answer([
      item(
        '2607.00003',
        {
          id: dirty('2607.00003'),
          title: dirty('Mem-π: Hölder bounds'),
          summary: dirty('First paragraph.\n  Second paragraph.'),
          authors: [{ name: dirty('Zoë Ünal'), hidden: false }],
          ai_summary: dirty('A summary.'),
          ai_keywords: [dirty('retrieval')],
          githubRepo: dirty('https://github.com/lab/x'),
          projectPage: dirty('https://lab.example/x'),
        },
        { thumbnail: dirty('https://cdn.example/x.png') },
      ),
      item('2607.00004'),
    ]);
    const result = await ingestDay(bed.pool, hf, DAY, log);
    expect(result).toMatchObject({ new: 2, skipped: 0 });
    const { rows } = await bed.pool.query(`SELECT * FROM papers WHERE arxiv_id = '2607.00003'`);
    const paper = rows[0];
    expect(paper).toMatchObject({
      title: 'Mem-π: Hölder bounds',
      abstract: 'First paragraph.\n\nSecond paragraph.',
      authors: [{ name: 'Zoë Ünal', hidden: false }],
      ai_summary: 'A summary.',
      ai_keywords: ['retrieval'],
      github_repo: 'https://github.com/lab/x',
      project_page: 'https://lab.example/x',
      thumbnail: 'https://cdn.example/x.png',
    });
    expect(JSON.stringify(paper)).not.toMatch(/\p{Cc}|\p{Bidi_Control}/u);

    // the feed stays well-formed XML
    await bed.app.services.editions.build('daily', DAY);
    const feed = await bed.app.inject({ method: 'GET', url: '/feed.xml' });
    expect(feed.body).toContain('Mem-π: Hölder bounds');
    expect(feed.body).not.toMatch(/(?![\t\n])\p{Cc}|\p{Bidi_Control}/u);
  });

  it('drops an item whose count PostgreSQL cannot store, and stores the others', async () => {
    const { hf, log, lines } = source();
    answer([item('2607.00005', { upvotes: 2 ** 31 }), item('2607.00006')]);
    expect(await ingestDay(bed.pool, hf, DAY, log)).toMatchObject({ new: 1, skipped: 1 });
    expect(lines.map((line) => String(line.msg))).toContainEqual(
      expect.stringMatching(
        /skipping item 0 \(2607\.00005\) of 2026-07-01: \/paper\/upvotes must be <= 2147483647/,
      ),
    );
  });

  it('drops an item whose title is only control characters', async () => {
    const { hf, log } = source();
    answer([item('2607.00007', { title: hostile }), item('2607.00008')]);
    expect(await ingestDay(bed.pool, hf, DAY, log)).toMatchObject({ new: 1, skipped: 1 });
  });
});

describe('nothing the source sends can bloat a digest', () => {
  it('caps 12 KB titles, 20 KB summaries and huge author lists, naming each cut, and keeps a 10-paper digest under 102 KB', async () => {
    const { hf, log, lines } = source();
    // '&' is the character that grows most when escaped for HTML (5 bytes)
    const huge = (n: number) => '&'.repeat(n);
    const authors = Array.from({ length: 1500 }, (_, i) => ({ name: `${huge(300)}${i}`, hidden: false }));
    const ids = Array.from({ length: 10 }, (_, i) => `2607.${String(10 + i).padStart(5, '0')}`);
    const longUrl = `https://github.com/lab/${'a'.repeat(PAPER_LIMITS.url - 30)}?a=1&b=2&c=3`;
    answer(
      ids.map((id) =>
        item(
          id,
          {
            title: huge(12 * 1024),
            summary: huge(20 * 1024),
            ai_summary: huge(20 * 1024),
            ai_keywords: Array.from({ length: 300 }, (_, i) => `keyword ${i}`),
            authors,
            githubRepo: longUrl,
            projectPage: longUrl,
          },
          { thumbnail: longUrl },
        ),
      ),
    );
    expect(await ingestDay(bed.pool, hf, DAY, log)).toMatchObject({ new: 10, skipped: 0 });
    const warning = lines.map((line) => String(line.msg)).find((msg) => msg.includes(ids[0] as string));
    expect(warning).toMatch(/title cut to 300 characters \(was 12288\)/);
    expect(warning).toMatch(/authors cut to the first 1000 \(were 1500\)/);

    const { rows } = await bed.pool.query(
      `SELECT length(title) AS title, length(abstract) AS abstract, length(ai_summary) AS ai,
        jsonb_array_length(authors) AS authors, cardinality(ai_keywords) AS keywords FROM papers`,
    );
    for (const row of rows) {
      expect(row).toEqual({
        title: PAPER_LIMITS.title,
        abstract: PAPER_LIMITS.abstract,
        ai: PAPER_LIMITS.aiSummary,
        authors: PAPER_LIMITS.authors,
        keywords: PAPER_LIMITS.aiKeywords,
      });
    }

    const { edition } = await bed.app.services.editions.build('daily', DAY);
    const reader = {
      id: '0b9c6f3e-5d2a-4c1b-9e8f-7a6b5c4d3e2f',
      linkNonce: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      confirmNonce: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
    };
    const mail = await renderPersonalDigest({
      edition,
      preferences: { ...DEFAULT_PREFERENCES, maxPapers: 10 },
      recipient: {
        email: 'a.long.address.of.a.reader@example.org',
        ...bed.app.services.links.forDigest(reader),
      },
      renderer: new DigestRenderer(TEST_PUBLIC_URL, 10),
    });
    expect(mail?.html.match(/<h2/g)).toHaveLength(10);
    expect(mail?.html).toContain(' et al.');
    expect(Buffer.byteLength(mail?.html ?? '')).toBeLessThan(102 * 1024);
  });

  it('refuses an answer over the size limit, read as a stream, with or without a Content-Length', async () => {
    const { hf, log } = source();
    const body = `[${JSON.stringify(item('2607.00020', { summary: 'x'.repeat(25 * 1024 * 1024) }))}]`;
    expect(body.length).toBeGreaterThan(MAX_ANSWER_BYTES);
    api.behaviours.push({ body });
    const declared = ingestDay(bed.pool, hf, DAY, log);
    await expect(declared).rejects.toBeInstanceOf(SourceError);
    await expect(declared).rejects.toThrow(/larger than 20971520 bytes.*refused, nothing stored/);

    api.behaviours.push({ body, chunked: true });
    await expect(ingestDay(bed.pool, hf, DAY, log)).rejects.toThrow(/larger than 20971520 bytes \(more than/);
    expect(await storedDay()).toEqual([]);
  });
});
