import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type Queryable, withTransaction } from './transaction.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Any constant shared by every Paperboy process; hashtext keeps it readable in pg_locks.
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('paperboy:migrations'))`;

export interface Migration {
  version: number;
  name: string;
  /** NNNN_name.sql, as it is named in messages. */
  file: string;
  sql: string;
  /** sha256 of the file (line endings as \n): an applied migration must never change. */
  checksum: string;
}

/** A database this code must not run against; the message names the migration and what to do. */
class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`Migration file ${file} must be named NNNN_snake_case_name.sql`);
      const sql = readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return {
        version: Number(match[1]),
        name: match[2] as string,
        file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
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

const fileName = (row: { version: number; name: string }) =>
  `${String(row.version).padStart(4, '0')}_${row.name}.sql`;

/**
 * The ledger of applied migrations, and its checksum column (added to databases migrated before
 * checksums were kept; their migrations are recorded with the file as it is now).
 */
async function prepareLedger(client: Queryable): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
}

/**
 * Refuses a database whose applied migrations differ from this code's: one applied here whose
 * file has changed since (its new statements would never run), or one this code does not know
 * (the database was migrated by a newer Paperboy).
 */
async function verifyApplied(client: Queryable, migrations: Migration[]): Promise<void> {
  const { rows } = await client.query<{ version: number; name: string; checksum: string | null }>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of rows) {
    const migration = known.get(row.version);
    if (!migration || migration.name !== row.name) {
      throw new MigrationError(
        `The database has migration ${fileName(row)}, which this version of Paperboy does not know: ` +
          'it was migrated by another (newer) version. Run that version, or restore a backup taken before.',
      );
    }
    if (row.checksum === null) {
      await client.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1', [
        row.version,
        migration.checksum,
      ]);
    } else if (row.checksum !== migration.checksum) {
      throw new MigrationError(
        `migrations/${migration.file} has changed since it was applied to this database, so the ` +
          'database does not match it. Restore the file as it was, and put the change in a new migration.',
      );
    }
  }
}

/**
 * Applies the migrations not yet applied, each in its own transaction under an advisory
 * lock, so processes starting at once take turns and every migration runs exactly once.
 * First checks those already applied (verifyApplied). Returns the versions this call applied.
 */
export async function migrate(pool: pg.Pool, migrations = readMigrations()): Promise<number[]> {
  await withTransaction(pool, async (client) => {
    await client.query(MIGRATION_LOCK);
    await prepareLedger(client);
    await verifyApplied(client, migrations);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await withTransaction(pool, async (client) => {
      await client.query(MIGRATION_LOCK);
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (done.rowCount) return false;
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.file} failed: ${(error as Error).message}`, { cause: error });
      }
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

/** The migrations of this code that the database has not got: a process ahead of its schema. */
export async function pendingMigrations(pool: pg.Pool, migrations = readMigrations()): Promise<string[]> {
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((row) => Number(row.version)));
  return migrations.filter((migration) => !applied.has(migration.version)).map((migration) => migration.file);
}
