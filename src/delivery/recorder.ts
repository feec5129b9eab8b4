import type pg from 'pg';
import type { Logger } from 'pino';
import { deliveryQueries as sql } from './queries.ts';

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

type Pending =
  | { outcome: 'sent'; id: number; subscriberId: string; messageId: string; response: string }
  | { outcome: 'retry'; id: number; error: string; delaySeconds: number }
  | { outcome: 'failed'; id: number; error: string; response: string | null }
  | { outcome: 'cancelled'; id: number; reason: string };

/**
 * Writes outcomes to the ledger in batches, one statement per kind of outcome, so the database
 * keeps pace with the SMTP pool. A send counts as in flight until its outcome is flushed: a
 * crash before the flush can resend it, which is the bound DESIGN.md promises.
 */
export class OutcomeRecorder {
  private buffer: Pending[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly maxBuffered = 200,
    private readonly maxDelayMs = 50,
  ) {}

  record(entry: Pending): Promise<void> {
    this.buffer.push(entry);
    if (this.buffer.length >= this.maxBuffered) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
    return Promise.resolve();
  }

  /** Writes everything recorded so far; resolves when it is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    const of = <K extends Pending['outcome']>(outcome: K) =>
      batch.filter((e) => e.outcome === outcome) as Extract<Pending, { outcome: K }>[];
    const sent = of('sent');
    const retries = of('retry');
    const failed = of('failed');
    const cancelled = of('cancelled');
    for (let attempt = 1; ; attempt++) {
      try {
        if (sent.length) {
          await this.pool.query(sql.markSent, [
            sent.map((e) => e.id),
            sent.map((e) => e.messageId),
            sent.map((e) => e.response),
          ]);
          await this.pool.query(sql.resetSoftBounces, [[...new Set(sent.map((e) => e.subscriberId))]]);
        }
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
