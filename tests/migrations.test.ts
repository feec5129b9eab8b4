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
  const outputs = [first.stdout, second.stdout];
  const expected = readMigrations().map((m) => m.version);
  // one process applied everything, the other found nothing left to do
  expect(outputs.filter((out) => out.includes(`applied migrations ${expected.join(', ')}`))).toHaveLength(1);
  expect(outputs.filter((out) => out.includes('is up to date'))).toHaveLength(1);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
  await client.end();
  expect(rows.map((row) => row.version)).toEqual(expected);

  const again = await runCli(['migrate'], env);
  expect(again.stdout).toContain('is up to date');
});
