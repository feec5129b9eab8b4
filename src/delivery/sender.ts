import type pg from 'pg';
import type { Logger } from 'pino';
import { deliveryQueries as sql } from './queries.ts';
import { classifySendError, retryDelaySeconds } from './retry-policy.ts';
import type { DeliveryKind } from './status.ts';
import type { MailTransport, OutgoingMail } from './transport.ts';

export interface ClaimedDelivery {
  id: number;
  kind: DeliveryKind;
  subscriber_id: string;
  edition_id: number | null;
  attempts: number;
  created_at: Date;
}

/** Builds the mail of one delivery; null when it should no longer be sent. */
export type Composer = (delivery: ClaimedDelivery) => Promise<Omit<OutgoingMail, 'messageId'> | null>;

export interface SenderOptions {
  pool: pg.Pool;
  transport: MailTransport;
  compose: Composer;
  log: Logger;
  batchSize: number;
  leaseSeconds: number;
  maxAttempts: number;
  pollMs: number;
  /** Host part of Message-IDs, so replies and bounces can be matched to a delivery. */
  messageIdDomain: string;
}

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled';

/**
 * The sender loop: claims due deliveries, composes and sends them, records each outcome.
 * A row is marked `sending` with a lease before SMTP and `sent` after, so a crash can only
 * duplicate what was in flight; a lease that runs out makes the row claimable again.
 */
export class Sender {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SenderOptions) {}

  messageIdFor(delivery: ClaimedDelivery): string {
    return `<delivery-${delivery.id}.${delivery.kind}@${this.options.messageIdDomain}>`;
  }

  /** Claims one batch and delivers it; resolves to the number of deliveries handled. */
  async runOnce(): Promise<Record<Outcome, number>> {
    const { pool, batchSize, leaseSeconds } = this.options;
    const claimed = await pool.query<ClaimedDelivery>(sql.claimDue, [batchSize, leaseSeconds]);
    const outcomes = await Promise.all(claimed.rows.map((delivery) => this.deliver(delivery)));
    const counts: Record<Outcome, number> = { sent: 0, retry: 0, failed: 0, cancelled: 0 };
    for (const outcome of outcomes) counts[outcome]++;
    return counts;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<Outcome> {
    const { pool, transport, compose, log, maxAttempts } = this.options;
    let mail: Omit<OutgoingMail, 'messageId'> | null;
    try {
      mail = await compose(delivery);
    } catch (error) {
      // a bug or a broken template, not the relay's fault: keep the row and say so
      log.error({ err: error, deliveryId: delivery.id }, 'could not compose delivery');
      await pool.query(sql.scheduleRetry, [delivery.id, `compose: ${(error as Error).message}`, 300]);
      return 'retry';
    }
    if (!mail) {
      await pool.query(sql.markCancelled, [delivery.id, 'nothing to send any more']);
      return 'cancelled';
    }
    try {
      const result = await transport.send({ ...mail, messageId: this.messageIdFor(delivery) });
      await pool.query(sql.markSent, [delivery.id, result.messageId, result.response]);
      return 'sent';
    } catch (error) {
      const failure = classifySendError(error);
      if (failure.kind === 'permanent' || delivery.attempts >= maxAttempts) {
        log.warn({ deliveryId: delivery.id, error: failure.message }, 'delivery failed permanently');
        await pool.query(sql.markFailed, [delivery.id, failure.message, failure.response ?? null]);
        return 'failed';
      }
      const delay = retryDelaySeconds(delivery.attempts);
      log.info(
        { deliveryId: delivery.id, error: failure.message, retryInSeconds: delay },
        'delivery will be retried',
      );
      await pool.query(sql.scheduleRetry, [delivery.id, failure.message, delay]);
      return 'retry';
    }
  }

  /** Starts claiming in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks a sleeping loop to look for work now (a confirmation was just queued). */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        const counts = await this.runOnce();
        handled = counts.sent + counts.retry + counts.failed + counts.cancelled;
      } catch (error) {
        this.options.log.error({ err: error }, 'sender could not claim deliveries; trying again');
      }
      // a full batch means more may be waiting: go again at once
      if (handled < this.options.batchSize && this.running) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wakeUp?.(), this.options.pollMs);
    });
  }

  /** Stops claiming and waits for the batch in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }
}
