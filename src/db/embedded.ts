import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { ExchangeQueue } from './exchange-queue.ts';

/**
 * The zero-configuration database: PGlite (Postgres compiled to WebAssembly) persisted under
 * DATA_DIR/pgdata and served over the Postgres wire protocol by pglite-socket, so the rest
 * of Paperboy reaches it through the same `pg` code path as a real server.
 *
 * PGlite is single-process, so the owner writes DATA_DIR/embedded-db.json ({pid, port}) while
 * it runs. Another process (the CLI while `npm start` runs) reads that file and connects to the
 * owner's socket instead of opening the files a second time.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  port: number;
}

const OWNER_FILE = 'embedded-db.json';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function socketUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** How long an owner may take to start serving before its record, still without a port, counts as left behind. */
const STARTING_GRACE_MS = 120_000;
/** How long the owner's socket may take to answer the check. */
const PROBE_TIMEOUT_MS = 3000;

/** Says, in one line, what went wrong and what is done about it (start-up has no logger yet). */
export type StaleNotice = (line: string) => void;
const toStderr: StaleNotice = (line) => console.error(line);

/** Whether the socket on `port` answers as an embedded (PGlite) database, as Paperboy's owner serves it. */
async function answersAsEmbeddedDatabase(port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: socketUrl(port),
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return rows[0]?.version.includes('PGlite') ?? false;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The process, other than this one, that serves the embedded database in dataDir. Its record is
 * believed only when the pid is alive and its socket answers as an embedded database (or it is
 * still starting, within STARTING_GRACE_MS): a pid can be reused by any process after a crash, a
 * zombie's pid is "alive", and a record that leads nowhere would stop every start with
 * ECONNREFUSED. Such a record is removed, saying so in one line.
 */
async function servingOwner(dataDir: string, notice: StaleNotice): Promise<OwnerRecord | undefined> {
  const file = path.join(dataDir, OWNER_FILE);
  let owner: OwnerRecord;
  let writtenAt: number;
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
    writtenAt = statSync(file).mtimeMs;
  } catch {
    return undefined; // no owner file, or an unreadable one: nobody is serving
  }
  if (owner.pid === process.pid || !isAlive(owner.pid)) return undefined;
  if (
    owner.port === 0
      ? Date.now() - writtenAt < STARTING_GRACE_MS
      : await answersAsEmbeddedDatabase(owner.port)
  )
    return owner;
  notice(
    `${file} names process ${owner.pid}${owner.port ? ` and port ${owner.port}` : ''}, but no embedded database answers there (left by a process that died; the pid belongs to another process now): replacing it`,
  );
  rmSync(file, { force: true });
  return undefined;
}

/** The URL of an embedded database another live process serves from dataDir, if any. */
export async function findRunningEmbedded(
  dataDir: string,
  notice: StaleNotice = toStderr,
): Promise<string | undefined> {
  const owner = await servingOwner(dataDir, notice);
  return owner && owner.port > 0 ? socketUrl(owner.port) : undefined;
}

/** Takes the owner file atomically, so two processes cannot open the same PGlite files. */
async function claimOwnership(dataDir: string, notice: StaleNotice): Promise<number> {
  const file = path.join(dataDir, OWNER_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      // The pid goes in at once, so a process starting a moment later sees a live owner.
      writeSync(fd, JSON.stringify({ pid: process.pid, port: 0 } satisfies OwnerRecord));
      return fd;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await servingOwner(dataDir, notice)) break;
      rmSync(file, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(
    `The embedded database in ${dataDir} is in use by another Paperboy process. ` +
      'Stop it, or set DATABASE_URL to share a real PostgreSQL between processes.',
  );
}

/**
 * Puts ExchangeQueue in place of pglite-socket's own queue, which can interleave two
 * connections' queries (see exchange-queue.ts). The field is private to pglite-socket, whose
 * version is pinned in package.json; if a new version renames it, this says so at once.
 */
function serveWholeExchanges(server: PGLiteSocketServer, db: PGlite): void {
  const internals = server as unknown as { queryQueue?: unknown };
  if (internals.queryQueue === undefined)
    throw new Error(
      'pglite-socket has no queryQueue to replace: check exchange-queue.ts against its version',
    );
  internals.queryQueue = new ExchangeQueue(db);
}

export async function startEmbeddedPostgres(options: {
  /** Folder for the data files; undefined keeps the database in memory (tests). */
  dataDir: string | undefined;
  port: number;
  maxConnections: number;
  notice?: StaleNotice;
}): Promise<EmbeddedPostgres> {
  let ownerFd: number | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    ownerFd = await claimOwnership(options.dataDir, options.notice ?? toStderr);
  }
  try {
    const db = await PGlite.create(options.dataDir ? path.join(options.dataDir, 'pgdata') : undefined);
    // Without maxConnections the socket server accepts a single connection and a pool's
    // second connection is reset: pglite-socket defaults to one connection.
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: options.port,
      maxConnections: options.maxConnections,
    });
    serveWholeExchanges(server, db);
    await server.start();
    const address = server.getServerConn();
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    if (ownerFd !== undefined) {
      ftruncateSync(ownerFd);
      writeSync(ownerFd, JSON.stringify({ pid: process.pid, port } satisfies OwnerRecord), 0);
      closeSync(ownerFd);
    }
    return {
      url: socketUrl(port),
      async stop() {
        await server.stop();
        await db.close();
        if (options.dataDir) rmSync(path.join(options.dataDir, OWNER_FILE), { force: true });
      },
    };
  } catch (error) {
    if (ownerFd !== undefined && options.dataDir) {
      closeSync(ownerFd);
      rmSync(path.join(options.dataDir, OWNER_FILE), { force: true });
    }
    throw error;
  }
}
