import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';

export interface ScratchDatabase {
  url: string;
  /** Whether it outlives its process (a database on a server), so keeping it after a failure helps. */
  keepable: boolean;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file, benchmark or chaos run: with TEST_DATABASE_URL a new database on that
 * server (dropped afterwards unless KEEP_TEST_DATABASES is set, to look at after a failure);
 * otherwise an in-memory embedded Postgres reached over its socket, as `npm start` does.
 */
export async function createScratchDatabase(
  serverUrl = process.env.TEST_DATABASE_URL,
): Promise<ScratchDatabase> {
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: undefined, port: 0, maxConnections: 60 });
    return { url: embedded.url, keepable: false, drop: () => embedded.stop() };
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The database server ${serverUrl} is not reachable: ${(error as Error).message}. ` +
        'Start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or unset it to test on the embedded database.',
    );
  }
  const name = `paperboy_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    keepable: true,
    async drop() {
      if (process.env.KEEP_TEST_DATABASES) return;
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
