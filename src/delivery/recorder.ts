import type { Logger } from 'pino';
import { type Backoff, backoffDelay, sleep } from '../backoff.ts';
import type { RecordedDecision } from './failure-policy.ts';
import type { DeliveryStore, OutcomeWrites } from './store.ts';

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

/** One delivery's outcome, with what it means for its subscriber; leaseToken names the claim. */
export type OutcomeEntry = { id: number; leaseToken: string } & (
  | {
      outcome: 'sent';
      messageId: string;
      response: string;
      /** The subscriber whose run of soft bounces this delivery ends, if they had one. */
      clearSoftBouncesOf?: string;
    }
  | (RecordedDecision & { subscriberId: string })
  | { outcome: 'cancelled'; reason: string }
);

export interface RecorderOptions {
  store: Pick<DeliveryStore, 'recordOutcomes'>;
  log: Logger;
  /** SOFT_BOUNCE_LIMIT: soft bounces in a row that suppress an address. */
  softBounceLimit: number;
  /** A batch is written once this many outcomes wait… */
  maxBuffered?: number;
  /**
   * …or this long after the first of them, when no batch is being written (during a write, the
   * next batch fills and follows it at once: group commit, so an outcome is in the database
   * within about one write of the relay's answer, and a crash resends little).
   */
  maxDelayMs?: number;
}

/** Waits between tries of a write that failed. */
const WRITE_RETRY: Backoff = { base: 500, cap: 5000 };

/**
 * Writes outcomes to the ledger in batches, one statement per kind of outcome and one
 * transaction per batch, so the database keeps pace with the SMTP pool and a batch tried again
 * after a failure counts nothing twice. record() resolves once its outcome is in the database
 * (maxDelayMs later, or after the batch being written, or as soon as maxBuffered are waiting): the sender holds the
 * message's in-flight slot until then, so whatever a crash can resend is within the in-flight
 * bound.
 *
 * A write that fails (the database away, a pool with no free connection) is tried again with
 * backoff until it succeeds: an outcome given up on is a message sent twice. Meanwhile the sends
 * waiting on it keep their in-flight slots, so the sender claims nothing more. Each outcome is
 * written only if its row is still in the claim that produced it (lease_token): a late outcome
 * lands after an outage of any length, unless another worker has claimed the row since, and then
 * that worker's outcome counts (the message may have gone twice, within the in-flight bound).
 */
export class OutcomeRecorder {
  private buffer: OutcomeEntry[] = [];
  /** Settles when the batch now filling is written: what record() hands back. */
  private batchWritten: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  private written: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBuffered: number;
  private readonly maxDelayMs: number;
  /** Batches handed to the database and not yet written. */
  private writing = 0;
  /** While writes fail: settles when one succeeds again. */
  private outage: { promise: Promise<void>; recovered(): void } | undefined;

  constructor(private readonly options: RecorderOptions) {
    this.maxBuffered = options.maxBuffered ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5;
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
      // while a batch is being written, this one waits for it and follows at once (flush)
      if (!this.writing)
        this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.maxDelayMs);
    }
    const written = this.batchWritten.promise;
    if (this.buffer.length >= this.maxBuffered) void this.flush().catch(() => undefined);
    return written;
  }

  /** Whether writes are failing now (the database away). */
  isFailing(): boolean {
    return this.outage !== undefined;
  }

  /**
   * Resolves at once, or, while writes are failing (the database away), when they succeed
   * again. The sender waits on it before claiming: rows whose outcomes are still held here are
   * its own, and claiming them again after their lease ran out would send them twice.
   */
  healthy(): Promise<void> {
    return this.outage?.promise ?? Promise.resolve();
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
    this.writing++;
    const write = this.written.catch(() => undefined).then(() => this.writeWithRetries(batch));
    this.written = write;
    write.then(
      () => waiting?.resolve(),
      (error) => waiting?.reject(error),
    );
    // group commit: what came in during this write goes next, without waiting for a timer
    void write
      .catch(() => undefined)
      .then(() => {
        this.writing--;
        if (this.writing === 0 && this.buffer.length > 0) void this.flush().catch(() => undefined);
      });
    return write;
  }

  private async writeWithRetries(batch: OutcomeEntry[]): Promise<void> {
    if (batch.length === 0) return;
    const { log } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.store.recordOutcomes((tx) => this.write(tx, batch));
        this.outage?.recovered();
        this.outage = undefined;
        return;
      } catch (error) {
        if (!this.outage) {
          let recovered!: () => void;
          const promise = new Promise<void>((resolve) => {
            recovered = resolve;
          });
          this.outage = { promise, recovered };
        }
        // the database is away: keep the outcomes and try again rather than resend everything
        const waitMs = backoffDelay(attempt - 1, WRITE_RETRY);
        log.error(
          { err: error, attempt, outcomes: batch.length, retryInMs: Math.round(waitMs) },
          'could not record delivery outcomes; retrying',
        );
        await sleep(waitMs);
      }
    }
  }

  private async write(tx: OutcomeWrites, batch: OutcomeEntry[]): Promise<void> {
    const of = <K extends Outcome>(outcome: K) =>
      batch.filter((e) => e.outcome === outcome) as Extract<OutcomeEntry, { outcome: K }>[];

    const sent = of('sent');
    if (sent.length) {
      const done = await tx.markSent({ sent });
      const cleared = sent.filter((e) => done.has(e.id) && e.clearSoftBouncesOf);
      await tx.resetSoftBounces({ subscriberIds: cleared.map((e) => e.clearSoftBouncesOf as string) });
    }
    const retries = of('retry');
    if (retries.length) await tx.scheduleRetry({ retries });
    const failed = of('failed');
    if (failed.length) {
      const done = await tx.markFailed({ failed });
      // only for rows this claim still held: another worker's outcome decides for the others
      const ours = failed.filter((e) => done.has(e.id));
      await tx.suppress({
        suppressions: ours.flatMap((e) =>
          e.suppress ? [{ subscriberId: e.subscriberId, reason: e.suppress }] : [],
        ),
      });
      await tx.countSoftBounces({
        subscriberIds: ours.flatMap((e) => (e.countSoftBounce ? [e.subscriberId] : [])),
        limit: this.options.softBounceLimit,
      });
    }
    const cancelled = of('cancelled');
    if (cancelled.length) await tx.markCancelled({ cancelled });
  }
}
