import type pg from 'pg';
import type { Logger } from 'pino';
import { type Backoff, backoffDelay, sleep } from '../backoff.ts';
import { withTransaction } from '../db/transaction.ts';
import { countSoftBounces, resetSoftBounces, suppressAddresses } from '../subscribers/suppressions.ts';
import type { Decision } from './failure-policy.ts';
import { deliveryQueries as sql } from './queries.ts';

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

/** One delivery's outcome, with what it means for its subscriber. */
export type OutcomeEntry = { id: number } & (
  | {
      outcome: 'sent';
      messageId: string;
      response: string;
      /** The subscriber whose run of soft bounces this delivery ends, if they had one. */
      clearSoftBouncesOf?: string;
    }
  | (Decision & { subscriberId: string })
  | { outcome: 'cancelled'; reason: string }
);

export interface RecorderOptions {
  pool: pg.Pool;
  log: Logger;
  /** SOFT_BOUNCE_LIMIT: soft bounces in a row that suppress an address. */
  softBounceLimit: number;
  /** A batch is written once this many outcomes wait… */
  maxBuffered?: number;
  /** …or this long after the first of them. */
  maxDelayMs?: number;
  /** How long a failed write is tried again: as long as the rows stay leased to this worker. */
  keepTryingMs?: number;
}

/** Waits between tries of a write that failed. */
const WRITE_RETRY: Backoff = { base: 1000, cap: 5000 };

/**
 * Writes outcomes to the ledger in batches, one statement per kind of outcome and one
 * transaction per batch, so the database keeps pace with the SMTP pool and a batch tried again
 * after a failure counts nothing twice. record() resolves once its outcome is in the database
 * (at most maxDelayMs later, or as soon as maxBuffered are waiting): the sender holds the
 * message's in-flight slot until then, so whatever a crash can resend is within the in-flight
 * bound.
 *
 * A write that fails (the database away for a moment, a pool with no free connection) is tried
 * again with backoff for as long as the rows' leases last, keepTryingMs: until then no other
 * worker takes those rows, and an outcome given up on early is a message sent twice.
 */
export class OutcomeRecorder {
  private buffer: OutcomeEntry[] = [];
  /** Settles when the batch now filling is written: what record() hands back. */
  private batchWritten: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  private written: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBuffered: number;
  private readonly maxDelayMs: number;
  private readonly keepTryingMs: number;

  constructor(private readonly options: RecorderOptions) {
    this.maxBuffered = options.maxBuffered ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 100;
    this.keepTryingMs = options.keepTryingMs ?? 60_000;
  }

  record(entry: OutcomeEntry): Promise<void> {
    this.buffer.push(entry);
    if (!this.batchWritten) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      this.batchWritten = { promise, resolve, reject };
      this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.maxDelayMs);
    }
    const written = this.batchWritten.promise;
    if (this.buffer.length >= this.maxBuffered) void this.flush().catch(() => undefined);
    return written;
  }

  /** Writes everything recorded so far; resolves when it is in the database. */
  flush(): Promise<void> {
    const batch = this.buffer;
    const waiting = this.batchWritten;
    this.buffer = [];
    this.batchWritten = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    // batches are written in order; one that failed does not stop the next
    const write = this.written.catch(() => undefined).then(() => this.writeWithRetries(batch));
    this.written = write;
    write.then(
      () => waiting?.resolve(),
      (error) => waiting?.reject(error),
    );
    return write;
  }

  private async writeWithRetries(batch: OutcomeEntry[]): Promise<void> {
    if (batch.length === 0) return;
    const { log } = this.options;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await withTransaction(this.options.pool, (client) => this.write(client, batch));
        return;
      } catch (error) {
        // the database is away: keep the outcomes and try again rather than resend everything
        const waitMs = backoffDelay(attempt - 1, WRITE_RETRY);
        if (Date.now() - started + waitMs > this.keepTryingMs) {
          log.error(
            { err: error, attempt, outcomes: batch.length },
            'could not record delivery outcomes; giving up, their leases will run out and they are sent again',
          );
          throw error;
        }
        log.error(
          { err: error, attempt, outcomes: batch.length, retryInMs: Math.round(waitMs) },
          'could not record delivery outcomes; retrying',
        );
        await sleep(waitMs);
      }
    }
  }

  private async write(client: pg.PoolClient, batch: OutcomeEntry[]): Promise<void> {
    const of = <K extends Outcome>(outcome: K) =>
      batch.filter((e) => e.outcome === outcome) as Extract<OutcomeEntry, { outcome: K }>[];
    const sent = of('sent');
    const retries = of('retry');
    const failed = of('failed');
    const cancelled = of('cancelled');
    if (sent.length) {
      await client.query(sql.markSent, [
        sent.map((e) => e.id),
        sent.map((e) => e.messageId),
        sent.map((e) => e.response),
      ]);
      await resetSoftBounces(
        client,
        sent.flatMap((e) => (e.clearSoftBouncesOf ? [e.clearSoftBouncesOf] : [])),
      );
    }
    if (retries.length) {
      await client.query(sql.scheduleRetry, [
        retries.map((e) => e.id),
        retries.map((e) => e.error),
        retries.map((e) => e.delaySeconds),
      ]);
    }
    if (failed.length) {
      await client.query(sql.markFailed, [
        failed.map((e) => e.id),
        failed.map((e) => e.error),
        failed.map((e) => e.response),
      ]);
      await suppressAddresses(
        client,
        failed.flatMap((e) => (e.suppress ? [{ subscriberId: e.subscriberId, reason: e.suppress }] : [])),
      );
      await countSoftBounces(
        client,
        failed.flatMap((e) => (e.countSoftBounce ? [e.subscriberId] : [])),
        this.options.softBounceLimit,
      );
    }
    if (cancelled.length) {
      await client.query(sql.markCancelled, [cancelled.map((e) => e.id), cancelled.map((e) => e.reason)]);
    }
  }
}
