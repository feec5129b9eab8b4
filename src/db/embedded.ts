import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
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

/** The live process, other than this one, that owns the embedded database in dataDir. */
function liveOwner(dataDir: string): OwnerRecord | undefined {
  try {
    const owner = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerRecord;
    if (owner.pid !== process.pid && isAlive(owner.pid)) return owner;
  } catch {
    // no owner file, or an unreadable one: nobody is serving
  }
  return undefined;
}

/** The URL of an embedded database another live process serves from dataDir, if any. */
export function findRunningEmbedded(dataDir: string): string | undefined {
  const owner = liveOwner(dataDir);
  return owner && owner.port > 0 ? socketUrl(owner.port) : undefined;
}

/** Takes the owner file atomically, so two processes cannot open the same PGlite files. */
function claimOwnership(dataDir: string): number {
  const file = path.join(dataDir, OWNER_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      // The pid goes in at once, so a process starting a moment later sees a live owner.
      writeSync(fd, JSON.stringify({ pid: process.pid, port: 0 } satisfies OwnerRecord));
      return fd;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (liveOwner(dataDir)) break;
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
}): Promise<EmbeddedPostgres> {
  let ownerFd: number | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    ownerFd = claimOwnership(options.dataDir);
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
