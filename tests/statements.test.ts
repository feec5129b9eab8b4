import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

// listmonk's boot check: every statement of every room is prepared against a migrated database,
// so a typo, a renamed column or a parameter PostgreSQL cannot type fails here, not in production.

const bed = useTestBed();
const SRC = path.resolve(import.meta.dirname, '../src');
const SQL = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;

/** Statements that are halves of one, joined where they run (subscribing queues its confirmation). */
const JOINED: [first: string, second: string][] = [
  ['subscribers/subscriberQueries.subscribe', 'mail-queue/mailQueueQueries.queueConfirmations'],
];

/** Every SQL string a room's queries.ts exports, by a readable name. */
async function roomStatements(): Promise<Map<string, string>> {
  const statements = new Map<string, string>();
  const collect = (name: string, value: unknown) => {
    if (typeof value === 'string' && SQL.test(value)) statements.set(name, value);
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) collect(`${name}.${key}`, inner);
  };
  for (const room of readdirSync(SRC, { withFileTypes: true })) {
    if (!room.isDirectory()) continue;
    const file = path.join(SRC, room.name, 'queries.ts');
    const module: Record<string, unknown> = await import(file).catch(() => ({}));
    for (const [name, value] of Object.entries(module)) collect(`${room.name}/${name}`, value);
  }
  for (const [first, second] of JOINED) {
    const joined = `${statements.get(first)} ${statements.get(second)}`;
    statements.delete(first);
    statements.delete(second);
    statements.set(`${first} + ${second}`, joined);
  }
  return statements;
}

it('every room statement prepares against the migrated schema', async () => {
  const statements = await roomStatements();
  expect(statements.size).toBeGreaterThan(50);
  const failures: string[] = [];
  const client = await bed.pool.connect();
  try {
    for (const [name, text] of statements) {
      try {
        await client.query(`PREPARE boot_check AS ${text}`);
        await client.query('DEALLOCATE boot_check');
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }
  } finally {
    client.release();
  }
  expect(failures).toEqual([]);
});

/** Imports of another room's queries.ts that a store makes on purpose: halves of one statement (JOINED). */
const CROSS_ROOM_QUERIES = new Set(['subscribers/store.ts → ../mail-queue/queries.ts']);

it("only a room's store.ts reads its queries.ts: everything else calls the typed functions", () => {
  const readers: string[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name === 'queries.ts') continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(SRC, file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '([^']*queries\.ts)'/g)) {
      const own = entry.name === 'store.ts' && specifier === './queries.ts';
      if (!own && !CROSS_ROOM_QUERIES.has(`${relative} → ${specifier}`))
        readers.push(`${relative} → ${specifier}`);
    }
  }
  expect(readers).toEqual([]);
});
