import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { SendableMail } from '../outbox/mail.ts';
import { redactAddresses } from '../redact.ts';
import { type ClaimedDelivery, type ClaimedRow, toClaimedDelivery } from './claimed.ts';
import { classifySendError, decide, type FailurePolicy } from './failure-policy.ts';
import type { MailBuilder } from './mail-for-delivery.ts';
import { messageIdFor } from './message-id.ts';
import type { SendPacer } from './pacer.ts';
import { deliveryQueries as sql } from './queries.ts';
import { type Outcome, OutcomeRecorder } from './recorder.ts';
import type { MailTransport } from './transport.ts';
import { WorkLoop } from './work-loop.ts';

export type { Outcome } from './recorder.ts';

export interface SenderOptions {
  pool: pg.Pool;
  transport: MailTransport;
  buildMail: MailBuilder;
  log: Logger;
  /** Rows claimed per query. */
  batchSize: number;
  /** Messages held in memory at once, claimed and not yet recorded: the backpressure bound. */
  maxInFlight: number;
  leaseSeconds: number;
  pollMs: number;
  /** Retries, attempts and their backoff. */
  failurePolicy: FailurePolicy;
  /** Digests in a row undeliverable after every retry before the address is suppressed. */
  softBounceLimit: number;
  /** Host part of Message-IDs, so bounces can be matched to a delivery. */
  messageIdDomain: string;
  /** SMTP_RATE_PER_SECOND, shared by every process; none means as fast as the relay takes it. */
  pacer?: SendPacer;
}

/** What a sender reports, as graphile/worker's WorkerEvents: listen with sender.events.on(…). */
export interface SenderEvents {
  /** A delivery's outcome is recorded. */
  outcome: [outcome: Outcome, delivery: ClaimedDelivery];
  /** The relay refused a message or the connection to it failed: its reply or error code. */
  relayError: [code: string, delivery: ClaimedDelivery];
}

export type OutcomeCounts = Record<Outcome, number>;

/**
 * With a rate limit, a process holds at most this many seconds of the whole rate in flight:
 * claimed rows wait for their sending slot, and must be sent well before their lease runs
 * out even when several processes share the rate.
 */
const PACED_SECONDS_IN_FLIGHT = 10;

/** How long sends in flight may take to finish at a stop before their leases are handed back. */
const STOP_GRACE_MS = 30_000;

/**
 * The sender: claims due deliveries, builds and sends their mail, records each outcome. A row
 * is marked `sending` with a lease before SMTP and `sent` after, so a crash can only duplicate
 * what was in flight; a lease that runs out makes the row claimable again.
 */
export class Sender {
  readonly events = new EventEmitter<SenderEvents>();
  private readonly loop: WorkLoop<ClaimedDelivery>;
  private readonly recorder: OutcomeRecorder;

  constructor(private readonly options: SenderOptions) {
    const { pacer, pool, log } = options;
    const maxInFlight = pacer
      ? Math.min(options.maxInFlight, Math.max(1, Math.ceil(pacer.ratePerSecond * PACED_SECONDS_IN_FLIGHT)))
      : options.maxInFlight;
    this.recorder = new OutcomeRecorder({
      pool,
      log,
      softBounceLimit: options.softBounceLimit,
    });
    this.loop = new WorkLoop({
      handle: (delivery) => this.deliver(delivery),
      key: (delivery) => delivery.id,
      batchSize: options.batchSize,
      maxInFlight,
      pollMs: options.pollMs,
      log,
      // the recorder logs what it could not write, and each send waiting on it hears so
      onIdle: () => this.recorder.flush().catch(() => undefined),
    });
  }

  /** Claims and sends due deliveries in the background until stop(). */
  start(): void {
    this.loop.start((limit) =>
      this.claim(sql.claimDue, [limit, this.options.leaseSeconds, this.loop.heldKeys()]),
    );
  }

  /** Asks a sleeping sender to look for due mail now (mail was just queued). */
  wake(): void {
    this.loop.wake();
  }

  /** Delivers everything due now (of one edition, if given), then returns what happened. */
  async drain(editionId?: number): Promise<OutcomeCounts> {
    const counts: OutcomeCounts = { sent: 0, retry: 0, failed: 0, cancelled: 0 };
    const count = (outcome: Outcome) => {
      counts[outcome]++;
    };
    this.events.on('outcome', count);
    try {
      const { leaseSeconds } = this.options;
      await this.loop.drain((limit) =>
        editionId === undefined
          ? this.claim(sql.claimDue, [limit, leaseSeconds, this.loop.heldKeys()])
          : this.claim(sql.claimDueForEdition, [limit, leaseSeconds, this.loop.heldKeys(), editionId]),
      );
    } finally {
      this.events.off('outcome', count);
    }
    return counts;
  }

  /**
   * Graceful stop: no more claims; sends in flight finish and are recorded. If they do not
   * finish within graceMs (a relay hanging), their leases are released so another worker
   * takes them at once instead of after the lease.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const stuck = await this.loop.stop(graceMs);
    if (stuck.length === 0) return;
    this.options.log.warn(
      { deliveries: stuck.length },
      'sends still in flight at shutdown: releasing their leases',
    );
    await this.options.pool.query(sql.releaseLeases, [stuck]);
  }

  private async claim(query: string, params: unknown[]): Promise<ClaimedDelivery[]> {
    // outcomes still waiting to be written are of rows this worker holds: never claim them again
    await this.recorder.healthy();
    const { rows } = await this.options.pool.query<ClaimedRow>(query, params);
    return rows.map(toClaimedDelivery);
  }

  /** One delivery: its mail built, a sending slot taken, sent, and the outcome recorded. */
  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      this.events.emit('outcome', await this.send(delivery), delivery);
    } catch (error) {
      // the recorder gave up: the lease runs out and the row is claimed again
      this.options.log.error({ err: error, deliveryId: delivery.id }, 'delivery outcome not recorded');
    }
  }

  private async send(delivery: ClaimedDelivery): Promise<Outcome> {
    const { transport, buildMail, log, pacer, messageIdDomain } = this.options;
    const { id, leaseToken } = delivery;
    let mail: SendableMail;
    try {
      const built = await buildMail(delivery, messageIdFor(delivery, messageIdDomain));
      if ('cancel' in built) {
        await this.recorder.record({ outcome: 'cancelled', id, leaseToken, reason: built.cancel });
        return 'cancelled';
      }
      mail = built.mail;
      await pacer?.take();
    } catch (error) {
      // a broken template or the database away for a moment: retried like a relay's 4xx
      log.error({ err: error, deliveryId: id }, 'could not build the mail or reserve a sending slot');
      return this.fail(delivery, error, { fromRelay: false });
    }
    let result: Awaited<ReturnType<MailTransport['send']>>;
    try {
      result = await transport.send(mail);
    } catch (error) {
      return this.fail(delivery, error, { fromRelay: true });
    }
    // outside the try: a failure to record is not a failure to send
    await this.recorder.record({
      outcome: 'sent',
      id,
      leaseToken,
      messageId: result.messageId,
      response: result.response,
      clearSoftBouncesOf: delivery.subscriber.softBounces > 0 ? delivery.subscriber.id : undefined,
    });
    return 'sent';
  }

  private async fail(delivery: ClaimedDelivery, error: unknown, { fromRelay }: { fromRelay: boolean }) {
    const failure = classifySendError(error, fromRelay);
    if (fromRelay) this.events.emit('relayError', failure.code, delivery);
    const decision = decide(delivery, failure, this.options.failurePolicy);
    // relays echo the address in their answer (550 <ann@…>: no such user): logs keep none
    const context = { deliveryId: delivery.id, error: redactAddresses(decision.error) };
    if (decision.outcome === 'retry')
      this.options.log.info(
        { ...context, retryInSeconds: decision.delaySeconds },
        'delivery will be retried',
      );
    else this.options.log.warn({ ...context, attempts: delivery.attempts }, 'delivery failed');
    await this.recorder.record({
      id: delivery.id,
      leaseToken: delivery.leaseToken,
      subscriberId: delivery.subscriber.id,
      relay: fromRelay,
      ...decision,
    });
    return decision.outcome;
  }
}
