import type pg from 'pg';
import type { Logger } from 'pino';
import { deliveryQueries as sql } from './queries.ts';

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

type Pending =
  | { outcome: 'sent'; id: number; messageId: string; response: string; clearSoftBounces: string | undefined }
  | { outcome: 'retry'; id: number; error: string; delaySeconds: number }
  | { outcome: 'failed'; id: number; error: string; response: string | null }
  | { outcome: 'cancelled'; id: number; reason: string };

/**
 * Writes outcomes to the ledger in batches, one statement per kind of outcome, so the database
 * keeps pace with the SMTP pool. record() resolves once its outcome is in the database (at
 * most maxDelayMs later, or as soon as maxBuffered are waiting): the sender holds the
 * message's in-flight slot until then, so whatever a crash can resend is within the in-flight
 * bound.
 *
 * A write that fails (the database away for a moment, a pool with no free connection) is tried
 * again with backoff for as long as the rows' leases last, keepTryingMs: until then no other
 * worker takes those rows, and an outcome given up on early is a message sent twice.
 */
export class OutcomeRecorder {
  private buffer: Pending[] = [];
  /** Settles when the batch now filling is written: what record() hands back. */
  private batchWritten: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  private written: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly maxBuffered = 1000,
    private readonly maxDelayMs = 100,
    private readonly keepTryingMs = 60_000,
  ) {}

  record(entry: Pending): Promise<void> {
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
    const write = this.written.catch(() => undefined).then(() => this.write(batch));
    this.written = write;
    write.then(
      () => waiting?.resolve(),
      (error) => waiting?.reject(error),
    );
    return write;
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    const of = <K extends Pending['outcome']>(outcome: K) =>
      batch.filter((e) => e.outcome === outcome) as Extract<Pending, { outcome: K }>[];
    const sent = of('sent');
    const retries = of('retry');
    const failed = of('failed');
    const cancelled = of('cancelled');
    const clear = sent.map((e) => e.clearSoftBounces).filter((id): id is string => id !== undefined);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        if (sent.length) {
          await this.pool.query(sql.markSent, [
            sent.map((e) => e.id),
            sent.map((e) => e.messageId),
            sent.map((e) => e.response),
          ]);
        }
        if (clear.length) await this.pool.query(sql.resetSoftBounces, [clear]);
        if (retries.length) {
          await this.pool.query(sql.scheduleRetry, [
            retries.map((e) => e.id),
            retries.map((e) => e.error),
            retries.map((e) => e.delaySeconds),
          ]);
        }
        if (failed.length) {
          await this.pool.query(sql.markFailed, [
            failed.map((e) => e.id),
            failed.map((e) => e.error),
            failed.map((e) => e.response),
          ]);
        }
        if (cancelled.length) {
          await this.pool.query(sql.markCancelled, [
            cancelled.map((e) => e.id),
            cancelled.map((e) => e.reason),
          ]);
        }
        return;
      } catch (error) {
        // the database is away: keep the outcomes and try again rather than resend everything
        const waitMs = Math.min(500 * 2 ** (attempt - 1), 5_000);
        if (Date.now() - started + waitMs > this.keepTryingMs) {
          this.log.error(
            { err: error, attempt, outcomes: batch.length },
            'could not record delivery outcomes; giving up, their leases will run out and they are sent again',
          );
          throw error;
        }
        this.log.error(
          { err: error, attempt, outcomes: batch.length, retryInMs: waitMs },
          'could not record delivery outcomes; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }
}
