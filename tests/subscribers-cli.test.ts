import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { useTestBed } from './helpers/test-bed.ts';

// `paperboy subscribers import | export | erase`, run as the operator runs them.

const bed = useTestBed({ truncate: ['subscribers', 'suppressed_addresses'] });

const env = () => ({
  DATABASE_URL: bed.database.url,
  SECRET_KEY: TEST_SECRET_KEY,
  PUBLIC_URL: TEST_PUBLIC_URL,
  LOG_LEVEL: 'silent',
});

function csvFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'paperboy-import-')), 'list.csv');
  writeFileSync(file, text);
  return file;
}

it('refuses to import without --confirmed, and says why', async () => {
  const result = await runCli(['subscribers', 'import', csvFile('email\nann@example.org\n')], env());
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--confirmed is required');
  expect((await bed.pool.query('SELECT 1 FROM subscribers')).rowCount).toBe(0);
});

it('imports the good rows, reports the bad and duplicate ones by line, leaves existing addresses unless --update', {
  timeout: 60_000,
}, async () => {
  await bed.pool.query(
    `INSERT INTO subscribers (email, status, max_papers) VALUES ('existing@example.org', 'unsubscribed', 3)`,
  );
  const file = csvFile(
    [
      'email,frequency,weekday,keywords,keyword_mode,timezone,delivery_hour,max_papers,muted_keywords',
      'ann@example.org,weekly,5,"agents, LoRA",only,Europe/Paris,8,5,"survey, benchmarks"',
      'not-an-address,daily,,,,,,,',
      'bob@example.org,hourly,,,,,,,',
      'ANN@example.org,daily,,,,,,,',
      'cy@example.org,,,,,Mars/Olympus,,,',
      'dee@example.org,,,,,,24,,',
      'fay@example.org,,,,,,,,see https://evil.example',
      'existing@example.org,daily,,,,,,9,',
      'eve@example.org,,,,,,,,',
      '',
    ].join('\n'),
  );
  const first = await runCli(['subscribers', 'import', file, '--confirmed'], env());
  expect(first.code).toBe(1);
  expect(first.stdout).toContain(
    '9 rows: 2 added, 0 updated, 1 already subscribed and left as they were, 6 invalid',
  );
  const lines = first.stderr.split('\n').filter((line) => line.startsWith('line '));
  expect(lines).toEqual([
    expect.stringMatching(/^line 3: email: /),
    expect.stringMatching(/^line 4: frequency: expected daily, weekly or monthly/),
    'line 5: email: ANN@example.org is also on line 2',
    expect.stringMatching(/^line 6: timezone: /),
    'line 7: delivery_hour: must be from 0 to 23',
    expect.stringMatching(/^line 8: muted_keywords: each keyword must be a term/),
  ]);
  const { rows } = await bed.pool.query(
    `SELECT email, status, frequency, weekday, keywords, keyword_mode, timezone, delivery_hour, max_papers,
       muted_keywords
     FROM subscribers ORDER BY email`,
  );
  expect(rows).toEqual([
    {
      email: 'ann@example.org',
      status: 'active',
      frequency: 'weekly',
      weekday: 5,
      keywords: ['agents', 'LoRA'],
      keyword_mode: 'only',
      timezone: 'Europe/Paris',
      delivery_hour: 8,
      max_papers: 5,
      muted_keywords: ['survey', 'benchmarks'],
    },
    expect.objectContaining({
      email: 'eve@example.org',
      status: 'active',
      max_papers: 10,
      muted_keywords: [],
    }),
    expect.objectContaining({ email: 'existing@example.org', status: 'unsubscribed', max_papers: 3 }),
  ]);
  const history = await bed.pool.query(
    `SELECT e.event, e.detail FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id
     WHERE s.email = 'ann@example.org' ORDER BY e.id`,
  );
  expect(history.rows).toEqual([
    { event: 'subscribed', detail: null },
    { event: 'confirmed', detail: 'imported' },
  ]);

  const updated = await runCli(['subscribers', 'import', file, '--confirmed', '--update'], env());
  expect(updated.stdout).toContain('0 added, 3 updated');
  const existing = await bed.pool.query(
    `SELECT status, max_papers FROM subscribers WHERE email = 'existing@example.org'`,
  );
  // the preferences are replaced; whether they want mail is theirs to say, not the file's
  expect(existing.rows[0]).toEqual({ status: 'unsubscribed', max_papers: 9 });
});

it('exports CSV that imports again, by status, and erases an address', { timeout: 60_000 }, async () => {
  await bed.pool.query(
    `INSERT INTO subscribers (email, status, keywords, suppressed_at, suppression_reason) VALUES
       ('a@example.org', 'active', '{diffusion,"C++"}', NULL, NULL),
       ('p@example.org', 'pending', '{}', NULL, NULL),
       ('s@example.org', 'active', '{}', now(), 'complaint')`,
  );
  const all = await runCli(['subscribers', 'export'], env());
  expect(all.code, all.stderr).toBe(0);
  const records = parse(all.stdout, { columns: true }) as Array<Record<string, string>>;
  expect(records.map((r) => `${r.email} ${r.status}`).sort()).toEqual([
    'a@example.org active',
    'p@example.org pending',
    's@example.org suppressed',
  ]);
  expect(records.find((r) => r.email === 'a@example.org')?.keywords).toBe('diffusion, C++');
  const active = await runCli(['subscribers', 'export', '--status', 'active'], env());
  expect(parse(active.stdout, { columns: true })).toHaveLength(1);
  const bad = await runCli(['subscribers', 'export', '--status', 'gone'], env());
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('--status');

  await bed.pool.query('TRUNCATE subscribers CASCADE');
  // the export imports again as it was: a pending address is no opt-in, a suppressed one stays so
  const again = await runCli(['subscribers', 'import', csvFile(all.stdout), '--confirmed'], env());
  expect(again.stdout).toContain('3 rows: 2 added');
  expect(again.stderr).toMatch(/line \d: status: pending: this person has not confirmed/);
  const kept = await bed.pool.query(
    `SELECT email, keywords, status, suppressed_at IS NOT NULL AS suppressed FROM subscribers ORDER BY email`,
  );
  expect(kept.rows).toEqual([
    { email: 'a@example.org', keywords: ['diffusion', 'C++'], status: 'active', suppressed: false },
    { email: 's@example.org', keywords: [], status: 'active', suppressed: true },
  ]);

  const erased = await runCli(['subscribers', 'erase', 'A@example.org'], env());
  expect(erased.code, erased.stderr).toBe(0);
  expect((await bed.pool.query(`SELECT 1 FROM subscribers WHERE email = 'a@example.org'`)).rowCount).toBe(0);
  const missing = await runCli(['subscribers', 'erase', 'nobody@example.org'], env());
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no subscriber with the address nobody@example.org');
});
