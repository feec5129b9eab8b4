import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, isoDay } from '../src/dates.ts';
import { HuggingFaceSource } from '../src/papers/hugging-face-source.ts';
import { ingestDay } from '../src/papers/ingest.ts';
import { ingestRecent } from '../src/worker/ingest-recent.ts';
import { publishRecentEditions } from '../src/worker/publish-editions.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { type PapersApi, startPapersApi } from './helpers/papers-api.ts';
import { useTestBed } from './helpers/test-bed.ts';

// A day's list that arrives late must still reach every reader: an empty edition is never final,
// and an edition waits for its day's complete list.

const bed = useTestBed({ smtp: true, truncate: ['papers', 'editions', 'ingest_runs', 'subscribers'] });
const log = pino({ level: 'silent' });
let api: PapersApi;

beforeAll(async () => {
  api = await startPapersApi();
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  api.behaviours.length = 0;
  api.overrides.clear();
});

const source = () =>
  new HuggingFaceSource({
    baseUrl: api.url,
    userAgent: 'test',
    log,
    timeoutMs: 10_000,
    maxRetries: 0,
    pageSize: 50,
  });
const env = () => ({
  DATABASE_URL: bed.database.url,
  SMTP_URL: bed.smtp.url,
  SECRET_KEY: TEST_SECRET_KEY,
  PUBLIC_URL: TEST_PUBLIC_URL,
  LOG_LEVEL: 'silent',
});

function weekdayOnOrBefore(day: string): string {
  let weekday = day;
  while ([0, 6].includes(new Date(`${weekday}T00:00:00Z`).getUTCDay())) weekday = addDays(weekday, -1);
  return weekday;
}

async function readers(count: number) {
  // their hour (00:00 UTC on the send day) has passed by the time any test runs
  await bed.pool.query(
    `INSERT INTO subscribers (email, status, confirmed_at, delivery_hour)
     SELECT 'reader' || g || '@example.org', 'active', now(), 0 FROM generate_series(1, $1) g`,
    [count],
  );
}

describe('a late list loses nobody their day', () => {
  it('fills an edition built empty when the API answered [] once the real list is stored, and sends it at once', async () => {
    // a weekday: an empty weekend day says it is a weekend instead
    const weekday = weekdayOnOrBefore(addDays(isoDay(new Date()), -1));
    await readers(2);

    api.overrides.set(weekday, 'none.json'); // no such file: the API answers []
    await ingestDay(bed.pool, source(), weekday, log);
    const first = await publishRecentEditions({ pool: bed.pool, editions: bed.app.services.editions, log });
    const built = first.find((p) => p.edition.frequency === 'daily' && p.edition.day === weekday);
    expect(built?.edition.status).toBe('empty');
    expect(built?.edition.emptyReason).toMatch(
      new RegExp(`The source listed no papers for ${weekday} .*It is filled when papers for it are stored`),
    );
    const emptySend = await runCli(['digest', 'send', '--date', weekday], env());
    expect(emptySend.stdout).toContain('empty, nothing to send');

    api.overrides.set(weekday, '2026-03-10.json');
    await ingestDay(bed.pool, source(), weekday, log);
    const second = await publishRecentEditions({ pool: bed.pool, editions: bed.app.services.editions, log });
    const filled = second.find((p) => p.edition.frequency === 'daily' && p.edition.day === weekday);
    expect(filled?.edition.status).toBe('ready');
    expect(filled?.edition.papers).toHaveLength(10);
    expect(filled?.added).toBe(2);

    const sent = await runCli(['digest', 'send', '--date', weekday], env());
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('2 sent, 0 failed');
    expect(bed.smtp.messages).toHaveLength(2);
  });

  it("ingests again the past week's weekdays whose edition is still empty, then fills and sends it", async () => {
    await readers(1);
    const day = weekdayOnOrBefore(addDays(isoDay(new Date()), -3));
    // the source never had it, and the wait is long over: built empty
    const empty = await bed.app.services.editions.build('daily', day);
    expect(empty.edition.emptyReason).toMatch(new RegExp(`^${day} has not been ingested yet`));

    api.overrides.set(day, '2026-03-11.json');
    const { results } = await ingestRecent({
      pool: bed.pool,
      editions: bed.app.services.editions,
      source: source(),
      log,
    });
    expect(results.find((r) => r.date === day)).toMatchObject({ new: 11 });
    const published = await publishRecentEditions({
      pool: bed.pool,
      editions: bed.app.services.editions,
      log,
    });
    const filled = published.find((p) => p.edition.frequency === 'daily' && p.edition.day === day);
    expect(filled).toMatchObject({ edition: { status: 'ready' }, added: 1 });
  });

  it('waits for an ingest after the day ended, then after EDITION_MAX_WAIT_HOURS builds from what is stored and says so', async () => {
    const today = isoDay(new Date());
    api.overrides.set(today, '2026-03-11.json');
    await ingestDay(bed.pool, source(), today, log); // started before today ends: the list may grow
    const { edition } = await bed.app.services.editions.build('daily', today);
    expect(edition.status).toBe('waiting');
    expect(edition.emptyReason).toMatch(
      new RegExp(
        `Waiting for an ingest of ${today} after the day ended .*before the day ended. Built from what is stored at ${addDays(today, 1)} 06:00 UTC at the latest`,
      ),
    );
    expect(await bed.app.services.editions.find('daily', today)).toBeUndefined();
    const cli = await runCli(['digest', 'build', '--date', today], env());
    expect(cli.stdout).toMatch(/^waiting: .*not built yet\. Waiting for an ingest/);

    const afterWait = new Date(`${addDays(today, 1)}T06:30:00Z`);
    const late = await bed.app.services.editions.build('daily', today, afterWait);
    expect(late.created).toBe(true);
    expect(late.edition.status).toBe('ready');
    expect(late.edition.buildNote).toMatch(
      /from what was stored: no ingest of .* that started after the day ended succeeded within 6 h/,
    );
  });

  it('builds at once from an ingest that ran after the day ended', async () => {
    api.overrides.set('2026-03-11', '2026-03-11.json');
    await ingestDay(bed.pool, source(), '2026-03-11', log);
    const { edition, created } = await bed.app.services.editions.build('daily', '2026-03-11');
    expect({ created, status: edition.status, note: edition.buildNote }).toEqual({
      created: true,
      status: 'ready',
      note: null,
    });
  });

  it('says why an edition is empty: a weekend, not ingested, the source failing', async () => {
    expect((await bed.app.services.editions.build('daily', '2026-07-04')).edition.emptyReason).toMatch(
      /^2026-07-04 is a Saturday: Hugging Face publishes papers on weekdays/,
    );
    expect((await bed.app.services.editions.build('daily', '2026-07-06')).edition.emptyReason).toMatch(
      /^2026-07-06 has not been ingested yet/,
    );
    api.behaviours.push({ status: 503 });
    await expect(ingestDay(bed.pool, source(), '2026-07-07', log)).rejects.toThrow();
    expect((await bed.app.services.editions.build('daily', '2026-07-07')).edition.emptyReason).toMatch(
      /^The last ingest of 2026-07-07, at .* UTC, failed: .*answered 503/,
    );
  });
});

describe('rebuilding', () => {
  it('rebuilds an edition that has sent nothing, and refuses once any of its mail has gone', async () => {
    await readers(1);
    api.overrides.set('2026-03-10', '2026-03-09.json');
    await ingestDay(bed.pool, source(), '2026-03-10', log);
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-10');
    const before = edition.papers.map((p) => p.arxivId);
    await publishRecentEditions({
      pool: bed.pool,
      editions: bed.app.services.editions,
      log,
      now: new Date('2026-03-11T12:00:00Z'),
    });

    api.overrides.set('2026-03-10', '2026-03-10.json');
    await ingestDay(bed.pool, source(), '2026-03-10', log);
    const rebuilt = await runCli(['digest', 'build', '--date', '2026-03-10', '--rebuild'], env());
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/^rebuilt: .*papers\n {2}Rebuilt by hand at /);
    const after = (await bed.app.services.editions.find('daily', '2026-03-10'))?.papers.map((p) => p.arxivId);
    expect(after?.length).toBeGreaterThan(before.length);
    expect(after?.[0]).not.toBe(undefined);

    await bed.pool.query(`UPDATE deliveries SET status = 'sent', sent_at = now() WHERE edition_id = $1`, [
      edition.id,
    ]);
    const refused = await runCli(['digest', 'build', '--date', '2026-03-10', '--rebuild'], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'rebuild: the daily edition of 2026-03-10 cannot be rebuilt: senders have taken 1 of its deliveries',
    );
    expect(
      (await bed.app.services.editions.find('daily', '2026-03-10'))?.papers.map((p) => p.arxivId),
    ).toEqual(after);
  });
});
