import pg from 'pg';
import type { Config } from '../config.ts';
import type { EmbeddedPostgres } from './embedded.ts';

/** The one pool of a process, created at boot and handed to every room. */
export interface Database {
  pool: pg.Pool;
  /** Where the pool connects, without credentials: for logs. */
  description: string;
  /**
   * Whether a statement may be prepared under a name, parsed and planned once per connection
   * (pg's `{ name, text, values }`). Not on PGlite: every connection there shares its one session,
   * so a name one connection prepared is already taken for the next. A DATABASE_URL may lead to
   * PGlite too (another process's embedded database, the tests' scratch databases), so the
   * server is asked, once.
   */
  namedStatements(): Promise<boolean>;
  close(): Promise<void>;
}

// bigint columns (counts, ids) arrive as strings by default; ours fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits here; without a listener the process dies.
  pool.on('error', (error) => console.error(`database connection lost: ${error.message}`));
  return pool;
}

/** Asks the server once whether it is PGlite (see Database.namedStatements); asks again after a failure. */
function namedStatementsOf(pool: pg.Pool): () => Promise<boolean> {
  let answer: Promise<boolean> | undefined;
  return () => {
    answer ??= pool
      .query<{ version: string }>('SELECT version()')
      .then(({ rows }) => !rows[0]?.version.includes('PGlite'))
      .catch((error) => {
        answer = undefined;
        throw error;
      });
    return answer;
  };
}

const onPGlite = async () => false;

function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/**
 * DATABASE_URL → a pool on that server. Otherwise the embedded database under DATA_DIR:
 * reached through the socket of the process already serving it, or started here.
 */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, config.dbPoolSize);
    return {
      pool,
      description: describe(config.databaseUrl),
      namedStatements: namedStatementsOf(pool),
      close: () => pool.end(),
    };
  }
  // PGlite (and its WebAssembly) is loaded only for the embedded database
  const { findRunningEmbedded, startEmbeddedPostgres } = await import('./embedded.ts');
  const running = await findRunningEmbedded(config.dataDir);
  if (running) {
    const pool = createPool(running, Math.min(config.dbPoolSize, 3));
    return {
      pool,
      description: `embedded database served by another process (${describe(running)})`,
      namedStatements: onPGlite,
      close: () => pool.end(),
    };
  }
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedDbPort,
    // room for this pool plus CLI commands connecting while the server runs
    maxConnections: config.dbPoolSize + 10,
  });
  const pool = createPool(embedded.url, config.dbPoolSize);
  return {
    pool,
    description: `embedded database in ${config.dataDir} (${describe(embedded.url)})`,
    namedStatements: onPGlite,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}
