import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrate.ts';
import { TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
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
