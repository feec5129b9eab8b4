import type pg from 'pg';
import type { Logger } from 'pino';
import { type ClaimedDelivery, type ClaimedRow, toClaimedDelivery } from './claimed.ts';
import type { Composer } from './compose.ts';
import type { SendPacer } from './pacer.ts';
import { deliveryQueries as sql } from './queries.ts';
import { type Outcome, OutcomeRecorder } from './recorder.ts';
import { classifySendError, retryDelaySeconds } from './retry-policy.ts';
import type { MailTransport } from './transport.ts';

export type { Outcome } from './recorder.ts';

export interface SenderOptions {
  pool: pg.Pool;
  transport: MailTransport;
  compose: Composer;
  log: Logger;
  /** Rows claimed per query. */
  batchSize: number;
  /** Messages held in memory at once, claimed and not yet recorded: the backpressure bound. */
  maxInFlight: number;
  leaseSeconds: number;
  maxAttempts: number;
  pollMs: number;
  /** Digests in a row undeliverable after every retry before the address is suppressed. */
  softBounceLimit: number;
  /** Host part of Message-IDs, so bounces can be matched to a delivery. */
  messageIdDomain: string;
  /** SMTP_RATE_PER_SECOND, shared by every process; none means as fast as the relay takes it. */
  pacer?: SendPacer;
}

/**
 * With a rate limit, a process holds at most this many seconds of the whole rate in flight:
 * claimed rows wait for their sending slot, and must be sent well before their lease runs
 * out even when several processes share the rate.
 */
const PACED_SECONDS_IN_FLIGHT = 10;

export type OutcomeCounts = Record<Outcome, number>;

const emptyCounts = (): OutcomeCounts => ({ sent: 0, retry: 0, failed: 0, cancelled: 0 });

/**
 * The sender: claims due deliveries, composes and sends them, records each outcome. A row is
 * marked `sending` with a lease before SMTP and `sent` after, so a crash can only duplicate
 * what was in flight; a lease that runs out makes the row claimable again. At most
 * `maxInFlight` messages are held at once: the loop claims more only as sends complete, so
 * a slow relay slows claiming instead of filling memory.
 */
export class Sender {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly recorder: OutcomeRecorder;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly counts: OutcomeCounts = emptyCounts();
  /** Called after each outcome: progress bars, tests. */
  onOutcome: ((outcome: Outcome, delivery: ClaimedDelivery) => void) | undefined;

  /** The in-flight bound: SENDER_MAX_IN_FLIGHT, or less when a rate limit makes sends wait. */
  private readonly maxInFlight: number;

  constructor(private readonly options: SenderOptions) {
    const { pacer } = options;
    this.maxInFlight = pacer
      ? Math.min(options.maxInFlight, Math.max(1, Math.ceil(pacer.ratePerSecond * PACED_SECONDS_IN_FLIGHT)))
      : options.maxInFlight;
    // outcomes are worth retrying for as long as the rows stay leased to this worker
    this.recorder = new OutcomeRecorder(options.pool, options.log, 1000, 100, options.leaseSeconds * 1000);
  }

  messageIdFor(delivery: Pick<ClaimedDelivery, 'id' | 'kind'>): string {
    return `<delivery-${delivery.id}.${delivery.kind}@${this.options.messageIdDomain}>`;
  }

  private async claim(limit: number, editionId: number | undefined): Promise<ClaimedDelivery[]> {
    const { rows } =
      editionId === undefined
        ? await this.options.pool.query<ClaimedRow>(sql.claimDue, [limit, this.options.leaseSeconds])
        : await this.options.pool.query<ClaimedRow>(sql.claimDueForEdition, [
            limit,
            this.options.leaseSeconds,
            editionId,
          ]);
    return rows.map(toClaimedDelivery);
  }

  private dispatch(delivery: ClaimedDelivery): void {
    const done = this.deliver(delivery)
      .then((outcome) => {
        this.counts[outcome]++;
        this.onOutcome?.(outcome, delivery);
      })
      .catch((error) =>
        this.options.log.error({ err: error, deliveryId: delivery.id }, 'delivery outcome not recorded'),
      )
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
    this.inFlight.set(delivery.id, done);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<Outcome> {
    const { transport, compose, log } = this.options;
    const { id } = delivery;
    let composed: Awaited<ReturnType<Composer>>;
    try {
      composed = await compose(delivery);
    } catch (error) {
      // a broken template or the database away for a moment: the row is kept and retried with
      // the same backoff as a relay's 4xx, and fails after DELIVERY_MAX_ATTEMPTS like one
      log.error({ err: error, deliveryId: id }, 'could not compose delivery');
      return this.recordFailure(delivery, error, { fromRelay: false });
    }
    if ('cancel' in composed) {
      await this.recorder.record({ outcome: 'cancelled', id, reason: composed.cancel });
      return 'cancelled';
    }
    try {
      await this.options.pacer?.take();
    } catch (error) {
      log.error({ err: error, deliveryId: id }, 'could not reserve a sending slot');
      return this.recordFailure(delivery, error, { fromRelay: false });
    }
    let result: Awaited<ReturnType<MailTransport['send']>>;
    try {
      result = await transport.send({ ...composed.mail, messageId: this.messageIdFor(delivery) });
    } catch (error) {
      return this.recordFailure(delivery, error, { fromRelay: true });
    }
    // outside the try: a failure to record is not a failure to send
    await this.recorder.record({
      outcome: 'sent',
      id,
      messageId: result.messageId,
      response: result.response,
      clearSoftBounces: delivery.softBounces > 0 ? delivery.subscriber.id : undefined,
    });
    return 'sent';
  }

  /** The retry and bounce policy for a send that failed. */
  private async recordFailure(
    delivery: ClaimedDelivery,
    error: unknown,
    source: { fromRelay: boolean },
  ): Promise<Outcome> {
    const { log, maxAttempts, pool, softBounceLimit } = this.options;
    const { id } = delivery;
    const failure = classifySendError(error);
    if (failure.kind === 'permanent') {
      log.warn({ deliveryId: id, error: failure.message }, 'delivery refused permanently');
      await this.recorder.record({
        outcome: 'failed',
        id,
        error: failure.message,
        response: failure.response ?? null,
      });
      if (failure.addressRejected)
        await pool.query(sql.suppress, [delivery.subscriber.id, `hard bounce: ${failure.message}`]);
      return 'failed';
    }
    if (delivery.attempts >= maxAttempts) {
      log.warn(
        { deliveryId: id, error: failure.message },
        `delivery failed after ${delivery.attempts} attempts`,
      );
      await this.recorder.record({
        outcome: 'failed',
        id,
        error: failure.message,
        response: failure.response ?? null,
      });
      // only the relay's refusals say something about the address
      if (delivery.kind === 'digest' && source.fromRelay)
        await pool.query(sql.countSoftBounce, [delivery.subscriber.id, softBounceLimit]);
      return 'failed';
    }
    const delaySeconds = retryDelaySeconds(delivery.attempts);
    log.info(
      { deliveryId: id, error: failure.message, retryInSeconds: delaySeconds },
      'delivery will be retried',
    );
    await this.recorder.record({ outcome: 'retry', id, error: failure.message, delaySeconds });
    return 'retry';
  }

  /**
   * The loop. Claims while there is room in flight; with nothing due, sleeps until woken or
   * the poll interval passes, or (untilIdle) returns once everything claimed is recorded.
   */
  private async pump(options: { untilIdle: boolean; editionId?: number }): Promise<void> {
    const { batchSize, pollMs, log } = this.options;
    const { maxInFlight } = this;
    while (this.running || options.untilIdle) {
      const room = maxInFlight - this.inFlight.size;
      // refill in batches, not one row per completed send: a claim is a round trip to the database
      if (room <= 0 || (room < Math.min(batchSize, maxInFlight) / 2 && this.inFlight.size > 0)) {
        await this.sleep(pollMs);
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await this.claim(Math.min(room, batchSize), options.editionId);
      } catch (error) {
        log.error({ err: error }, 'sender could not claim deliveries; trying again');
        if (options.untilIdle) throw error;
      }
      for (const delivery of claimed) this.dispatch(delivery);
      if (claimed.length > 0) continue;
      if (options.untilIdle) {
        if (this.inFlight.size === 0) break;
        await Promise.race(this.inFlight.values());
        continue;
      }
      await this.flushOutcomes();
      await this.sleep(pollMs);
    }
    await Promise.all(this.inFlight.values());
    await this.flushOutcomes();
  }

  /** The recorder logs what it could not write, and each send waiting on it hears so. */
  private async flushOutcomes(): Promise<void> {
    await this.recorder.flush().catch(() => undefined);
  }

  /** Delivers everything due now (of one edition, if given), then returns what happened. */
  async drain(editionId?: number): Promise<OutcomeCounts> {
    const before = { ...this.counts };
    await this.pump({ untilIdle: true, editionId });
    return this.countsSince(before);
  }

  /** One claim and its sends, recorded: for tests and one-off runs. */
  async runOnce(): Promise<OutcomeCounts> {
    const before = { ...this.counts };
    for (const delivery of await this.claim(this.options.batchSize, undefined)) this.dispatch(delivery);
    await Promise.all(this.inFlight.values());
    await this.recorder.flush();
    return this.countsSince(before);
  }

  private countsSince(before: OutcomeCounts): OutcomeCounts {
    return {
      sent: this.counts.sent - before.sent,
      retry: this.counts.retry - before.retry,
      failed: this.counts.failed - before.failed,
      cancelled: this.counts.cancelled - before.cancelled,
    };
  }

  /** Starts claiming in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.keepPumping();
  }

  /** pump() catches what it expects; anything else is logged and the loop starts over. */
  private async keepPumping(): Promise<void> {
    while (this.running) {
      try {
        await this.pump({ untilIdle: false });
      } catch (error) {
        this.options.log.error({ err: error }, 'sender loop failed; starting it again');
        await this.sleep(this.options.pollMs);
      }
    }
  }

  /** Asks a sleeping loop to look for work now (mail was just queued, a send completed). */
  wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wakeUp?.(), ms);
    });
  }

  /**
   * Graceful stop: no more claims; sends in flight finish and are recorded. If they do not
   * finish within `graceMs` (a relay hanging), their leases are released so another worker
   * takes them at once instead of after the lease.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    this.wake();
    const finished = this.loop ? this.loop.then(() => true) : Promise.resolve(true);
    const inTime = await Promise.race([
      finished,
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    if (!inTime) {
      const stuck = [...this.inFlight.keys()];
      this.options.log.warn(
        { deliveries: stuck.length },
        'sends still in flight at shutdown: releasing their leases',
      );
      await this.options.pool.query(sql.releaseLeases, [stuck]);
    }
  }
}
