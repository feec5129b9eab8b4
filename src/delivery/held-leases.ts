import type { Logger } from 'pino';
import type { Lease } from './store.ts';

interface Held {
  leaseToken: string;
  /** Until when (this process's clock) the row is surely still ours. */
  validUntil: number;
  /** Another worker has claimed it since: never send it. */
  lost: boolean;
}

export interface HeldLeasesOptions {
  leaseSeconds: number;
  /** Extends the leases given; resolves with the ids still held (the statement renewLeases). */
  renew(leases: Lease[]): Promise<Set<number>>;
  /** A renewal could not reach the database. */
  onDatabaseFailure(): void;
  log: Logger;
}

/**
 * The leases a worker holds, kept alive while it holds them: renewed every third of a lease, so
 * a message that waits on a slow relay (or on its outcome being written) stays this worker's
 * however long that takes, and is never claimed and sent by another worker meanwhile.
 *
 * Each lease's validity is counted on this process's clock from the moment the claim or renewal
 * was *asked*: the database set its expiry later than that, so the lease is surely still ours
 * until then, whatever the two clocks say. A worker that was stopped (SIGSTOP, a long pause) or
 * cut off from the database past that time no longer knows, and asks again before it sends.
 */
export class HeldLeases {
  private readonly held = new Map<number, Held>();
  private renewing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;

  constructor(private readonly options: HeldLeasesOptions) {
    this.leaseMs = options.leaseSeconds * 1000;
  }

  /** A row just claimed, by a claim asked at `askedAt` (Date.now()). */
  add(lease: Lease, askedAt: number): void {
    this.held.set(lease.id, {
      leaseToken: lease.leaseToken,
      validUntil: askedAt + this.leaseMs,
      lost: false,
    });
  }

  /** The row's outcome is written (or its lease handed back): no longer ours to keep. */
  drop(id: number): void {
    this.held.delete(id);
  }

  /** Starts renewing every third of a lease. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renewNow(), this.leaseMs / 3);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Whether the row may be sent now: still ours, for at least half a lease more (time for the
   * relay to take it, while renewals carry on). Asks the database when unsure; a database that
   * cannot answer means no.
   */
  async mayStillSend(id: number): Promise<boolean> {
    const entry = this.held.get(id);
    if (!entry || entry.lost) return false;
    if (entry.validUntil - Date.now() >= this.leaseMs / 2) return true;
    await this.renewNow();
    return !entry.lost && entry.validUntil - Date.now() >= this.leaseMs / 2;
  }

  /** Renews every lease held now; one renewal at a time, shared by whoever waits on it. */
  renewNow(): Promise<void> {
    this.renewing ??= this.renew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const mine = [...this.held].filter(([, entry]) => !entry.lost);
    if (mine.length === 0) return;
    const askedAt = Date.now();
    let kept: Set<number>;
    try {
      kept = await this.options.renew(mine.map(([id, entry]) => ({ id, leaseToken: entry.leaseToken })));
    } catch (error) {
      this.options.onDatabaseFailure();
      this.options.log.warn({ err: error, leases: mine.length }, 'could not renew leases; trying again');
      return;
    }
    let lost = 0;
    for (const [id, entry] of mine) {
      if (kept.has(id)) entry.validUntil = askedAt + this.leaseMs;
      else {
        entry.lost = true;
        lost++;
      }
    }
    if (lost > 0)
      this.options.log.warn(
        { deliveries: lost },
        'leases taken by another worker: those rows are not sent here',
      );
  }
}
