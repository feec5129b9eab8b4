import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { withTransaction } from './transaction.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Any constant shared by every Paperboy process; hashtext keeps it readable in pg_locks.
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('paperboy:migrations'))`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`Migration file ${file} must be named NNNN_snake_case_name.sql`);
      return {
        version: Number(match[1]),
        name: match[2] as string,
        sql: readFileSync(path.join(dir, file), 'utf8'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migrations must be numbered 0001, 0002, … without gaps; found ${migration.version} at position ${index + 1}`,
      );
    }
  });
  return migrations;
}

/**
 * Applies the migrations not yet applied, each in its own transaction under an advisory
 * lock, so processes starting at once take turns and every migration runs exactly once.
 * Returns the versions this call applied.
 */
export async function migrate(pool: pg.Pool, migrations = readMigrations()): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await withTransaction(pool, async (client) => {
      await client.query(MIGRATION_LOCK);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (done.rowCount) return false;
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(
          `Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}
