import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { PostgresRunCoordinator } from '../src/worker/run-coordinator.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';

let database: ScratchDatabase;
let pools: pg.Pool[];

beforeAll(async () => {
  database = await createScratchDatabase();
  // two pools stand for two worker processes
  pools = [createPool(database.url, 2), createPool(database.url, 2)];
  await migrate(pools[0]!);
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  for (const pool of pools ?? []) await pool.end();
  await dropUnlessFailed(database, suite);
});

it('lets exactly one of several workers run each scheduled fire', async () => {
  const coordinators = pools.map((pool) => new PostgresRunCoordinator(pool));
  const fires = ['ingest:2026-03-10T10:00:00.000Z', 'ingest:2026-03-10T10:30:00.000Z'];
  for (const fire of fires) {
    const decisions = await Promise.all([...coordinators, ...coordinators].map((c) => c.shouldRun(fire)));
    expect(decisions.filter(Boolean)).toHaveLength(1);
  }
});
