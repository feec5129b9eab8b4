import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../src/db/migrate.ts';
import { TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';

let database: ScratchDatabase;

beforeAll(async () => {
  database = await createScratchDatabase();
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await dropUnlessFailed(database, suite);
});

it('lets two processes migrate one database at once, each migration applied exactly once', async () => {
  const env = { DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY };
  const [first, second] = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
  expect(first.code, first.stderr).toBe(0);
  expect(second.code, second.stderr).toBe(0);
  const expected = readMigrations().map((m) => m.version);
  // each migration ran in exactly one of the two processes (they may take turns between migrations)
  const appliedBy = [first.stdout, second.stdout].map((out) =>
    (/applied migrations ([\d, ]+) to/.exec(out)?.[1] ?? '').split(', ').filter(Boolean).map(Number),
  );
  expect(appliedBy.flat().sort((a, b) => a - b)).toEqual(expected);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
  await client.end();
  expect(rows.map((row) => row.version)).toEqual(expected);

  const again = await runCli(['migrate'], env);
  expect(again.stdout).toContain('is up to date');
});

describe('migrations already applied', () => {
  let scratch: ScratchDatabase;
  let pool: pg.Pool;
  beforeEach(async () => {
    scratch = await createScratchDatabase();
    pool = createPool(scratch.url, 2);
  });
  afterEach(async ({ task }) => {
    await pool.end();
    await dropUnlessFailed(scratch, task);
  });

  /** The project's migrations copied to a folder of their own, with `edit` applied to one file. */
  function editedMigrations(file: string, edit: (sql: string) => string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, file), edit(readFileSync(path.join(dir, file), 'utf8')));
    return dir;
  }

  it('refuses to go on when an applied migration has changed, naming its file', async () => {
    await migrate(pool);
    const dir = editedMigrations(
      '0002_papers.sql',
      (sql) => `${sql}\nCREATE INDEX papers_extra ON papers (title);\n`,
    );
    await expect(migrate(pool, readMigrations(dir))).rejects.toThrow(
      /migrations\/0002_papers\.sql has changed since it was applied/,
    );
    const { rows } = await pool.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'papers_extra'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses a database migrated by a newer version', async () => {
    await migrate(pool);
    await pool.query(
      `INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'from_the_future', 'x')`,
    );
    await expect(migrate(pool)).rejects.toThrow(
      /0099_from_the_future\.sql, which this version of Paperboy does not know/,
    );
  });

  it('records checksums for a database migrated before they were kept, and brings its old indexes in line', async () => {
    // the state of a database migrated before checksums, and before 0001 and 0004 were edited
    await migrate(pool, readMigrations().slice(0, 5));
    await pool.query(`
      ALTER TABLE schema_migrations DROP COLUMN checksum;
      DROP INDEX deliveries_subscriber_edition_key;
      CREATE UNIQUE INDEX deliveries_subscriber_edition_key ON deliveries (subscriber_id, edition_id)
        WHERE edition_id IS NOT NULL;
      CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id, kind, created_at);
      CREATE UNIQUE INDEX deliveries_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;`);
    expect(await migrate(pool)).toContain(6);
    const { rows } = await pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'deliveries' ORDER BY indexname`,
    );
    expect(rows.map((row) => row.indexname)).toEqual([
      'deliveries_pending_due',
      'deliveries_pkey',
      'deliveries_sending_lease',
      'deliveries_subscriber_edition_key',
    ]);
    expect(rows.find((row) => row.indexname === 'deliveries_subscriber_edition_key')?.indexdef).not.toContain(
      'WHERE',
    );
    const missing = await pool.query('SELECT version FROM schema_migrations WHERE checksum IS NULL');
    expect(missing.rows).toEqual([]);
    expect(await migrate(pool)).toEqual([]);
  });
});
