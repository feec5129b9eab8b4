import type { PGlite } from '@electric-sql/pglite';

/**
 * The order in which the embedded database serves its socket's connections.
 *
 * PGlite is one Postgres session; pglite-socket lets many connections share it by queueing
 * their wire-protocol messages. Its own queue (0.2.17) interleaves connections message by
 * message outside a transaction, but an extended-protocol query is several messages (Parse,
 * Bind, Describe, Execute, Sync) sharing the session's unnamed statement and portal: when a
 * query's messages arrive in more than one TCP read, another connection's Parse can land
 * between its Parse and its Bind, and the query runs someone else's statement (an error, or
 * silently the wrong rows). Its queue also stops for good after one internal error
 * (electric-sql/pglite#1046).
 *
 * This queue gives the session to one connection for a whole exchange: from its first message
 * up to the Sync or simple Query that ends it, and on to the end of any transaction it opened.
 * Other connections' messages wait their turn. A connection that goes away mid-exchange has
 * it closed for it (a Sync, and a ROLLBACK if it left a transaction open), so nobody waits on
 * it forever.
 */
export class ExchangeQueue {
  private queue: Entry[] = [];
  /** The connection whose exchange is open, if one is. */
  private owner: number | undefined;
  private running = false;

  constructor(private readonly db: PGlite) {}

  /** pglite-socket's handler calls this for each message; resolves with the bytes answered. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: what it had queued is dropped. */
  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((entry) => {
      if (entry.handlerId !== handlerId) return true;
      entry.reject(new Error('connection closed'));
      return false;
    });
  }

  /** A connection went away: if it held the session, its exchange is ended for it. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    // queued as the owner's next message, so it runs after whatever of it is running now
    await new Promise<number>((resolve, reject) => {
      this.queue.unshift({ handlerId, message: ABANDON, onData: () => undefined, resolve, reject });
      void this.run();
    });
  }

  /** The next message to serve: the owner's while an exchange is open, else the oldest. */
  private next(): Entry | undefined {
    const index = this.owner === undefined ? 0 : this.queue.findIndex((e) => e.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let entry = this.next(); entry; entry = this.next()) {
        this.owner = entry.handlerId;
        try {
          const bytes = entry.message === ABANDON ? await this.abandon() : await this.execute(entry);
          entry.resolve(bytes);
        } catch (error) {
          // one message failing inside PGlite must not stop everyone else's
          entry.reject(error);
        }
        if (entry.message === ABANDON || (endsExchange(entry.message) && !this.db.isInTransaction()))
          this.owner = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  private execute(entry: Entry): Promise<number> {
    let bytes = 0;
    return this.db.runExclusive(async () => {
      await this.db.execProtocolRawStream(entry.message, {
        onRawData: (data) => {
          bytes += data.length;
          entry.onData(data);
        },
      });
      return bytes;
    });
  }

  /** Ends the exchange of a connection that left: answers go nowhere. */
  private abandon(): Promise<number> {
    return this.db.runExclusive(async () => {
      // a Sync ends an extended query, and the error state after a failed one
      await this.db.execProtocolRawStream(SYNC, { onRawData: () => undefined });
      if (this.db.isInTransaction())
        await this.db.execProtocolRawStream(simpleQuery('ROLLBACK'), { onRawData: () => undefined });
      return 0;
    });
  }
}

interface Entry {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** Marks the entry that ends a departed connection's exchange; never sent to PGlite. */
const ABANDON = new Uint8Array(0);

const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/**
 * After these the backend answers ReadyForQuery: Sync ('S') and Query ('Q'), Terminate ('X'),
 * and the startup message, which has no type byte and begins with the high byte of its length.
 */
function endsExchange(message: Uint8Array): boolean {
  const type = message[0];
  return type === 0x53 || type === 0x51 || type === 0x58 || type === 0;
}
