import type pg from 'pg';
import type { Logger } from 'pino';
import { deliveryQueries as sql } from './queries.ts';

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

type Pending =
  | { outcome: 'sent'; id: number; messageId: string; response: string; clearSoftBounces: string | undefined }
  | { outcome: 'retry'; id: number; error: string; delaySeconds: number }
  | { outcome: 'failed'; id: number; error: string; response: string | null }
  | { outcome: 'cancelled'; id: number; reason: string };

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => undefined); // the sender handles it; never an unhandled rejection here
  return { promise, resolve, reject };
}

/**
 * Writes outcomes to the ledger in batches, one statement per kind of outcome: group commit.
 * When no write is under way, what was recorded goes out at once; while one is, outcomes
 * gather and go out together as soon as it ends. So a quiet worker records each send within a
 * round trip, and a busy one writes large batches without waiting on a timer.
 *
 * record() resolves once its outcome is in the database: the sender holds the message's
 * in-flight slot until then, so whatever a crash can resend stays within the in-flight bound.
 */
export class OutcomeRecorder {
  private buffer: Pending[] = [];
  /** Settles when the batch now gathering in buffer is written. */
  private gathering: Deferred | undefined;
  private writing: Promise<void> | undefined;
  private kickScheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** A batch holds at most what the sender has in flight: its slots wait for the write. */
  record(entry: Pending): Promise<void> {
    this.buffer.push(entry);
    this.gathering ??= deferred();
    const written = this.gathering.promise;
    if (!this.kickScheduled) {
      // outcomes of one tick (a batch of sends completing together) share a statement
      this.kickScheduled = true;
      setImmediate(() => {
        this.kickScheduled = false;
        this.kick();
      });
    }
    return written;
  }

  /** Starts writing what has gathered, unless a write is under way (it will call again). */
  private kick(): void {
    if (this.writing || this.buffer.length === 0) return;
    const batch = this.buffer;
    const done = this.gathering as Deferred;
    this.buffer = [];
    this.gathering = undefined;
    this.writing = this.write(batch)
      .then(
        () => done.resolve(),
        (error) => done.reject(error),
      )
      .finally(() => {
        this.writing = undefined;
        this.kick();
      });
  }

  /** Resolves when everything recorded so far is in the database. */
  async flush(): Promise<void> {
    while (this.writing || this.buffer.length > 0) {
      if (!this.writing) this.kick();
      await this.writing;
    }
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
        this.log.error(
          { err: error, attempt, outcomes: batch.length },
          'could not record delivery outcomes; retrying',
        );
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
}
