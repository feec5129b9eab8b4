import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { migrate, readMigrations } from '../src/db/migrate.ts';
import { fanOut } from '../src/delivery/fan-out.ts';
import { importCsv } from '../src/subscribers/csv.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase } from './helpers/scratch-database.ts';
import { subscriberById } from './helpers/subscribers.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Zones Node's ICU accepts and PostgreSQL's tz database does not: the fan-out computes due times
// with AT TIME ZONE in SQL, so PostgreSQL's list is the one that counts.
const NODE_ONLY_ZONES = ['US/Pacific-New', 'SystemV/AST4'];

const bed = useTestBed({ smtp: true, fixtures: true, truncate: ['subscribers', 'editions'] });

async function addActive(email: string, timezone = 'UTC') {
  const { rows } = await bed.pool.query(
    `INSERT INTO subscribers (email, status, confirmed_at, timezone, delivery_hour)
     VALUES ($1, 'active', now(), $2, 7) RETURNING id`,
    [email, timezone],
  );
  return rows[0].id as string;
}

describe('a zone PostgreSQL does not know is refused, naming timezone', () => {
  it.each(NODE_ONLY_ZONES)('at subscribe: %s', async (timezone) => {
    expect(() => new Intl.DateTimeFormat('en', { timeZone: timezone })).not.toThrow();
    const response = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'zone@example.org', timezone },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field: 'timezone' });
    expect(response.json().message).toContain(timezone);
    expect((await bed.pool.query('SELECT 1 FROM subscribers')).rowCount).toBe(0);
  });

  it('at a preference change, leaving the stored zone as it was', async () => {
    const id = await addActive('pref@example.org', 'Europe/Paris');
    const token = bed.app.services.tokens.create('preferences', (await subscriberById(bed.pool, id))!);
    const refused = await bed.app.inject({
      method: 'POST',
      url: `/preferences/${token}`,
      headers: { accept: 'application/json' },
      payload: { timezone: 'US/Pacific-New' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ field: 'timezone' });
    expect((await subscriberById(bed.pool, id))?.preferences.timezone).toBe('Europe/Paris');

    const renamed = await bed.app.inject({
      method: 'POST',
      url: `/preferences/${token}`,
      headers: { accept: 'application/json' },
      payload: { timezone: 'Asia/Calcutta' },
    });
    expect(renamed.statusCode).toBe(200);
    expect((await subscriberById(bed.pool, id))?.preferences.timezone).toBe('Asia/Calcutta');
  });

  it('at import: the row is reported by line, naming timezone, and the others imported', async () => {
    const report = await importCsv({
      pool: bed.pool,
      hasher: bed.app.services.addressHasher,
      input: Readable.from(['email,timezone\nok@example.org,Europe/Kyiv\nbad@example.org,SystemV/AST4\n']),
      update: false,
    });
    expect(report).toMatchObject({
      added: 1,
      invalid: [{ line: 3, message: expect.stringMatching(/^timezone: /) }],
    });
  });
});

describe('no single subscriber row stops the fan-out', () => {
  it('sends everyone the edition when one row holds a zone PostgreSQL does not know (planted with SQL)', async () => {
    await addActive('a@example.org', 'Europe/Paris');
    await addActive('b@example.org');
    const planted = await addActive('planted@example.org');
    await bed.pool.query(`UPDATE subscribers SET timezone = 'US/Pacific-New' WHERE id = $1`, [planted]);

    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    expect(await fanOut(bed.pool, edition, { now: false })).toBe(3);
    const { rows } = await bed.pool.query(
      `SELECT d.due_at FROM deliveries d WHERE d.subscriber_id = $1 AND d.edition_id = $2`,
      [planted, edition.id],
    );
    // at its hour in UTC, the zone every unknown one is read as
    expect(rows[0].due_at.toISOString()).toBe('2026-03-12T07:00:00.000Z');

    const sent = await runCli(['digest', 'send', '--date', '2026-03-11', '--now'], {
      DATABASE_URL: bed.database.url,
      SMTP_URL: bed.smtp.url,
      SECRET_KEY: TEST_SECRET_KEY,
      PUBLIC_URL: TEST_PUBLIC_URL,
      LOG_LEVEL: 'silent',
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('3 sent, 0 failed');
    expect(bed.smtp.messages).toHaveLength(3);
  });
});

describe('the migration', () => {
  it('moves stored rows with an unknown zone to UTC and records it in their history', async ({
    onTestFinished,
  }) => {
    const scratch = await createScratchDatabase();
    const pool = createPool(scratch.url, 2);
    onTestFinished(async ({ task }) => {
      await pool.end();
      await dropUnlessFailed(scratch, task);
    });
    const all = readMigrations();
    const before = all.filter((m) => m.version < 12);
    await migrate(pool, before);
    const { rows } = await pool.query(
      `INSERT INTO subscribers (email, status, timezone) VALUES
         ('known@example.org', 'active', 'America/New_York'),
         ('unknown@example.org', 'active', 'US/Pacific-New') RETURNING id, email`,
    );
    await migrate(pool, all);
    const zones = await pool.query('SELECT email, timezone FROM subscribers ORDER BY email');
    expect(zones.rows).toEqual([
      { email: 'known@example.org', timezone: 'America/New_York' },
      { email: 'unknown@example.org', timezone: 'UTC' },
    ]);
    const unknown = rows.find((row) => row.email === 'unknown@example.org');
    const history = await pool.query(
      `SELECT event, detail FROM subscriber_events WHERE subscriber_id = $1 AND event = 'timezone_reset'`,
      [unknown.id],
    );
    expect(history.rows).toEqual([
      { event: 'timezone_reset', detail: 'US/Pacific-New is not a time zone PostgreSQL knows; now UTC' },
    ]);
    const others = await pool.query(
      `SELECT count(*)::int AS n FROM subscriber_events WHERE event = 'timezone_reset'`,
    );
    expect(others.rows[0].n).toBe(1);
  });
});
