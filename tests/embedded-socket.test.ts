import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded.ts';

// The embedded database's socket shared by several connections at once: each query whole,
// transactions kept together, and a connection that vanishes mid-way holding up no one.

let embedded: EmbeddedPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  embedded = await startEmbeddedPostgres({ dataDir: undefined, port: 0, maxConnections: 20 });
  pool = new pg.Pool({ connectionString: embedded.url, max: 8 });
  await pool.query('CREATE TABLE notes (body text)');
});

afterAll(async () => {
  await pool?.end();
  await embedded?.stop();
});

/** A connection speaking the wire protocol by hand, so a test decides when each message goes. */
class RawConnection {
  private received = Buffer.alloc(0);
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
  }

  static async open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new RawConnection(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    socket.write(Buffer.concat([startup, params]));
    await connection.readyForQuery();
    return connection;
  }

  send(type: string, body: Buffer = Buffer.alloc(0)): void {
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeInt32BE(4 + body.length, 1);
    this.socket.write(Buffer.concat([header, body]));
  }

  parse(sql: string): void {
    this.send('P', Buffer.concat([Buffer.from(`\0${sql}\0`), Buffer.from([0, 0])]));
  }

  /** Binds one text parameter to the unnamed statement, then executes and syncs. */
  bindExecuteSync(value: string): void {
    const length = Buffer.alloc(4);
    length.writeInt32BE(Buffer.byteLength(value), 0);
    const bind = Buffer.concat([
      Buffer.from('\0\0'), // unnamed portal, unnamed statement
      Buffer.from([0, 0, 0, 1]), // no format codes; one parameter
      length,
      Buffer.from(value),
      Buffer.from([0, 0]), // no result format codes
    ]);
    this.send('B', bind);
    this.send('E', Buffer.from([0, 0, 0, 0, 0]));
    this.send('S');
  }

  query(sql: string): void {
    this.send('Q', Buffer.from(`${sql}\0`));
  }

  /** Waits for ReadyForQuery; returns the messages that came before it, as [type, body]. */
  async readyForQuery(timeoutMs = 10_000): Promise<[string, Buffer][]> {
    const started = Date.now();
    for (;;) {
      const messages: [string, Buffer][] = [];
      let offset = 0;
      while (offset + 5 <= this.received.length) {
        const length = this.received.readInt32BE(offset + 1);
        if (offset + 1 + length > this.received.length) break;
        const type = String.fromCharCode(this.received[offset] as number);
        messages.push([type, this.received.subarray(offset + 5, offset + 1 + length)]);
        offset += 1 + length;
        if (type === 'Z') {
          this.received = this.received.subarray(offset);
          return messages;
        }
      }
      if (Date.now() - started > timeoutMs) throw new Error('no ReadyForQuery in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The first column of each DataRow, and the text of each ErrorResponse. */
function rowsAndErrors(messages: [string, Buffer][]) {
  const rows = messages
    .filter(([type]) => type === 'D')
    .map(([, body]) => body.subarray(6, 6 + body.readInt32BE(2)).toString());
  const errors = messages.filter(([type]) => type === 'E').map(([, body]) => body.toString('latin1'));
  return { rows, errors };
}

const settled = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);

it('keeps a query whole when another connection speaks between its Parse and its Bind', async () => {
  const raw = await RawConnection.open(embedded.url);
  try {
    raw.parse('SELECT $1::int * 2 AS doubled');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the Parse is in, the Bind is not
    const other = pool.query<{ greeting: string }>('SELECT $1::text AS greeting, 1 AS extra', ['hello']);
    expect(await settled(other, 200)).toBe(false); // the session is the raw connection's until it syncs
    raw.bindExecuteSync('21');
    expect(rowsAndErrors(await raw.readyForQuery())).toEqual({ rows: ['42'], errors: [] });
    expect((await other).rows).toEqual([{ greeting: 'hello', extra: 1 }]);
  } finally {
    raw.destroy();
  }
});

it('answers many connections sending large queries at once, each with its own rows', async () => {
  const big = 'x'.repeat(200_000); // more than one TCP read per query
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? pool.query('SELECT $1::int AS n', [i]).then(({ rows }) => rows[0].n === i)
        : pool
            .query('SELECT $1::int AS n, length($2::text) AS size', [i, big])
            .then(({ rows }) => rows[0].n === i && rows[0].size === big.length),
    ),
  );
  expect(results.every(Boolean)).toBe(true);
});

it('keeps a transaction to its connection, and rolls it back when the connection vanishes', async () => {
  const raw = await RawConnection.open(embedded.url);
  raw.query("BEGIN; INSERT INTO notes VALUES ('uncommitted')");
  expect(rowsAndErrors(await raw.readyForQuery()).errors).toEqual([]);
  const count = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notes');
  expect(await settled(count, 200)).toBe(false); // waits for the transaction to end
  raw.destroy();
  expect((await count).rows[0]?.n).toBe(0);
});

it('lets the others go on when a connection vanishes between its Parse and its Sync', async () => {
  const raw = await RawConnection.open(embedded.url);
  raw.parse('SELECT nonsense FROM nowhere'); // fails: the session waits for a Sync that never comes
  await new Promise((resolve) => setTimeout(resolve, 50));
  raw.destroy();
  const { rows } = await pool.query('SELECT $1::text AS still', ['here']);
  expect(rows).toEqual([{ still: 'here' }]);
});
