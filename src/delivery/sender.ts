import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type Backoff, backoffDelay } from '../backoff.ts';
import type { SendableMail } from '../mail-queue/mail.ts';
import { redactAddresses } from '../redact.ts';
import type { ClaimedDelivery } from './claimed.ts';
import { classifySendError, decide, type FailurePolicy } from './failure-policy.ts';
import { HeldLeases } from './held-leases.ts';
import type { MailBuilder } from './mail-for-delivery.ts';
import { messageIdFor } from './message-id.ts';
import type { SendPacer } from './pacer.ts';
import { type Outcome, OutcomeRecorder } from './recorder.ts';
import type { ClaimParams, DeliveryStore } from './store.ts';
import { LocalFault, type MailTransport } from './transport.ts';
import { WorkLoop } from './work-loop.ts';

export type { Outcome } from './recorder.ts';

export interface SenderOptions {
  /** All the sender and its recorder see of the database. */
  store: DeliveryStore;
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
  /** How long sends in flight may take to finish at a stop before their leases are handed back. */
  stopGraceMs: number;
}

/** What a sender reports, as graphile/worker's WorkerEvents: listen with sender.events.on(…). */
export interface SenderEvents {
  /** A delivery's outcome is recorded. */
  outcome: [outcome: Outcome, delivery: ClaimedDelivery];
  /** The relay refused a message or the connection to it failed: its reply or error code. */
  relayError: [code: string, delivery: ClaimedDelivery];
  /** Another worker holds the row now (this one was cut off or paused past its lease): not sent here. */
  leaseLost: [delivery: ClaimedDelivery];
  /** The mail could not be written here (a full disk): handed back, and claiming paused. */
  localFault: [fault: LocalFault, delivery: ClaimedDelivery];
}

/** Whether the sender is claiming, and if not, why. */
export type SendingState = { state: 'sending' } | { state: 'paused'; reason: string; until: Date };

/** The first pause after a local fault; doubled for each fault in a row, up to the cap. */
const LOCAL_FAULT_PAUSE: Backoff = { base: 1000, cap: 60_000 };

export type OutcomeCounts = Record<Outcome, number>;

/**
 * With a rate limit, a process holds at most this many seconds of the whole rate in flight:
 * claimed rows wait for their sending slot, and must be sent well before their lease runs
 * out even when several processes share the rate.
 */
const PACED_SECONDS_IN_FLIGHT = 10;

/**
 * The sender: claims due deliveries, builds and sends their mail, records each outcome. A row
 * is marked `sending` with a lease before SMTP and `sent` after, so a crash can only duplicate
 * what was in flight; a lease that runs out makes the row claimable again.
 */
export class Sender {
  readonly events = new EventEmitter<SenderEvents>();
  private readonly loop: WorkLoop<ClaimedDelivery>;
  private readonly recorder: OutcomeRecorder;
  private readonly store: DeliveryStore;
  private readonly leases: HeldLeases;
  /** Sends handed to the transport at once: one per SMTP connection, so none waits inside it. */
  private readonly handing: Gate;
  /** When this worker last failed to reach the database (epoch ms). */
  private lastDatabaseFailure = 0;
  /** While mail cannot be written here: why, and when to try again. */
  private paused: { reason: string; until: number; inARow: number } | undefined;

  constructor(private readonly options: SenderOptions) {
    const { pacer, store, log } = options;
    this.store = store;
    this.handing = new Gate(options.transport.concurrency);
    this.leases = new HeldLeases({
      leaseSeconds: options.leaseSeconds,
      renew: (leases) => this.store.renewLeases({ leases, leaseSeconds: options.leaseSeconds }),
      onDatabaseFailure: () => this.sawDatabaseFailure(),
      log,
    });
    const maxInFlight = pacer?.ceiling
      ? Math.min(options.maxInFlight, Math.max(1, Math.ceil(pacer.ceiling * PACED_SECONDS_IN_FLIGHT)))
      : options.maxInFlight;
    this.recorder = new OutcomeRecorder({
      store,
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
    this.leases.start();
    this.loop.start((limit) => this.claim(limit));
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
    this.leases.start();
    try {
      await this.loop.drain((limit) => this.claim(limit, editionId));
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
  async stop(graceMs = this.options.stopGraceMs): Promise<void> {
    // leases are kept alive while sends finish, then handed back
    const stuck = await this.loop.stop(graceMs);
    this.leases.stop();
    if (stuck.length === 0) return;
    this.options.log.warn(
      { deliveries: stuck.length },
      'sends still in flight at shutdown: releasing their leases',
    );
    for (const delivery of stuck) this.leases.drop(delivery.id);
    await this.store.releaseLeases({ leases: stuck });
  }

  /** Claiming, or paused by a local fault (the outbox's disk full): for /readyz. */
  sendingState(): SendingState {
    const { paused } = this;
    return paused
      ? { state: 'paused', reason: paused.reason, until: new Date(paused.until) }
      : { state: 'sending' };
  }

  private async claim(limit: number, editionId?: number): Promise<ClaimedDelivery[]> {
    // a local fault: nothing is claimed until its pause is over; the next send then tries again
    if (this.paused && Date.now() < this.paused.until) return [];
    // outcomes still waiting to be written are of rows this worker holds: never claim them again
    if (this.recorder.isFailing()) {
      await this.recorder.healthy();
      this.sawDatabaseFailure();
    }
    const { leaseSeconds } = this.options;
    const params: ClaimParams = {
      limit,
      leaseSeconds,
      heldIds: this.loop.heldKeys(),
      // Back from a database outage, other live workers may not have renewed their leases yet
      // (theirs ran out while nobody could reach the database): for one lease, take none.
      takeExpired: Date.now() - this.lastDatabaseFailure > leaseSeconds * 1000,
      ...(editionId === undefined ? {} : { editionId }),
    };
    const askedAt = Date.now();
    let claimed: ClaimedDelivery[];
    try {
      claimed = await this.store.claimDue(params);
    } catch (error) {
      this.sawDatabaseFailure();
      throw error;
    }
    for (const delivery of claimed) this.leases.add(delivery, askedAt);
    return claimed;
  }

  private sawDatabaseFailure(): void {
    this.lastDatabaseFailure = Date.now();
  }

  /** One delivery: its mail built, a sending slot taken, sent, and the outcome recorded. */
  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    try {
      const outcome = await this.send(delivery);
      if (outcome === 'lost') this.events.emit('leaseLost', delivery);
      else if (outcome !== 'handedBack') this.events.emit('outcome', outcome, delivery);
    } catch (error) {
      // the recorder gave up: the lease runs out and the row is claimed again
      this.options.log.error({ err: error, deliveryId: delivery.id }, 'delivery outcome not recorded');
    } finally {
      this.leases.drop(delivery.id);
    }
  }

  private async send(delivery: ClaimedDelivery): Promise<Outcome | 'lost' | 'handedBack'> {
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
    } catch (error) {
      // a broken template or the database away for a moment: retried like a relay's 4xx
      log.error({ err: error, deliveryId: id }, 'could not build the mail');
      return this.fail(delivery, error, { fromRelay: false });
    }
    let result: Awaited<ReturnType<MailTransport['send']>>;
    const free = await this.handing.enter();
    try {
      // the sending slot is taken once a connection is free, so a rate lowered by the relay's
      // throttling holds for every message after it, not only for those not yet built
      await pacer?.take();
    } catch (error) {
      free();
      log.error({ err: error, deliveryId: id }, 'could not reserve a sending slot');
      return this.fail(delivery, error, { fromRelay: false });
    }
    try {
      // the last moment the row can still be left alone: once handed over, the relay may take it
      if (!(await this.leases.mayStillSend(id))) {
        log.warn({ deliveryId: id }, 'lease lost before sending: left to the worker that holds it now');
        return 'lost';
      }
      result = await transport.send(mail);
    } catch (error) {
      if (error instanceof LocalFault) return this.handBack(delivery, error);
      return this.fail(delivery, error, { fromRelay: true });
    } finally {
      free();
    }
    pacer?.accepted();
    if (this.paused) {
      log.info('mail is written again: claiming resumes');
      this.paused = undefined;
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

  /**
   * The mail could not be written here: Paperboy's fault, not the subscriber's nor the relay's.
   * The row goes back to the queue as it was, no attempt, bounce or failure counted, and this
   * worker claims nothing for a while (longer for each such fault in a row).
   */
  private async handBack(delivery: ClaimedDelivery, fault: LocalFault): Promise<'handedBack'> {
    // the sends already in flight when the fault began hit it too: one pause for all of them
    if (!(this.paused && Date.now() < this.paused.until)) {
      const inARow = (this.paused?.inARow ?? 0) + 1;
      const pauseMs = backoffDelay(inARow - 1, LOCAL_FAULT_PAUSE, () => 1);
      this.paused = { reason: `${fault.code}: ${fault.message}`, until: Date.now() + pauseMs, inARow };
      this.options.log.error(
        { err: fault, deliveryId: delivery.id, pauseMs },
        'mail could not be written here: handed back, claiming paused',
      );
    }
    this.events.emit('localFault', fault, delivery);
    await this.store.releaseLeases({ leases: [delivery] });
    return 'handedBack';
  }

  /**
   * The relay refused for its own rate: every process slows down (pacer.ts), and the message
   * goes back to the queue as it was, not a failed attempt of its subscriber.
   */
  private async slowDown(delivery: ClaimedDelivery, reply: string): Promise<'handedBack'> {
    const { pacer, log } = this.options;
    log.debug({ deliveryId: delivery.id, reply }, 'the relay throttles: slowing down');
    await pacer?.throttled();
    await this.store.releaseLeases({ leases: [delivery] });
    return 'handedBack';
  }

  private async fail(delivery: ClaimedDelivery, error: unknown, { fromRelay }: { fromRelay: boolean }) {
    const failure = classifySendError(error, fromRelay);
    if (fromRelay) this.events.emit('relayError', failure.code, delivery);
    if (failure.throttling && this.options.pacer) return this.slowDown(delivery, failure.message);
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

/**
 * At most `size` holders at once, the others waiting in order. Written here rather than taken
 * from a library: it is a dozen lines, and it must hand a slot straight to the next waiter.
 */
class Gate {
  private inside = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves once inside, with the function that leaves. */
  async enter(): Promise<() => void> {
    if (this.inside < this.size) this.inside++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.inside--;
    };
  }
}
