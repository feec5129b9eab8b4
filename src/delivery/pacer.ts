import type pg from 'pg';
import { sleep } from '../backoff.ts';
import { withTransaction } from '../db/transaction.ts';
import { lockPacer, type PacerRow, pacerRate, throttlePacer, updatePacer } from './store.ts';

/**
 * How the shared rate adapts to a relay's throttling (AIMD, as TCP's congestion control): each
 * throttling answer sets it to DECREASE × what the relay accepted in the last second (from
 * every process, as written, or this process's own count if higher: outcomes are written a
 * little later); it climbs
 * back CLIMB_PER_SECOND messages per second each clean second, and is lifted (only the
 * ceiling left) once it reaches the ceiling or after LIFT_AFTER_SECONDS without throttling.
 */
export const ADAPTIVE_RATE = {
  decrease: 0.9,
  climbPerSecond: 1,
  minRate: 1,
  liftAfterSeconds: 300,
  /** A burst of refusals lowers the rate once per this many seconds. */
  onceInSeconds: 1,
} as const;

/** Each reservation takes this many seconds' worth of slots. */
const CHUNK_SECONDS = 0.2;

/** Without a ceiling and with no adaptive rate in force, how long a process sends unpaced before looking again. */
const UNPACED_RECHECK_MS = 1000;

/**
 * The rate in force given the pacer's row: the adaptive one, climbed since it was set, or null
 * when it is lifted; never above the ceiling (0: none).
 */
export function adaptedRate(
  row: Pick<PacerRow, 'rate' | 'rateAt' | 'throttledAt' | 'now'>,
  ceiling: number,
): number | null {
  if (row.rate === null || row.rateAt === null) return null;
  if (row.throttledAt !== null && row.now - row.throttledAt > ADAPTIVE_RATE.liftAfterSeconds * 1000)
    return null;
  const climbed = row.rate + (ADAPTIVE_RATE.climbPerSecond * Math.max(0, row.now - row.rateAt)) / 1000;
  return ceiling > 0 && climbed >= ceiling ? null : climbed;
}

/**
 * The send rate of every process that sends (workers, `digest send`, a second machine): a
 * relay's limit is on the account, so a per-process limit would be exceeded by the number of
 * workers. The processes share one row holding the next free sending time and the adaptive rate;
 * each reserves a fifth of a second's worth of slots at a time by moving next_at forward, then
 * sends each message at its slot. Slots are spaced 1/rate apart and never reused, so all
 * processes together never go faster than the rate; a slot a process leaves unused is lost.
 *
 * The rate is SMTP_RATE_PER_SECOND (the ceiling, 0: none), lowered while the relay throttles
 * (throttled()). With neither, a process sends unpaced, looking at the row once a second.
 */
export class SendPacer {
  /** Reserved sending times of this process (epoch ms), oldest first. */
  private slots: number[] = [];
  private reserving: Promise<void> | undefined;
  private unpacedUntil = 0;
  /** Messages the relay accepted from this process, this second and the one before. */
  private acceptedCount = { second: 0, count: 0, previous: 0 };

  constructor(
    private readonly pool: pg.Pool,
    readonly ceiling: number,
  ) {}

  /** Resolves when this process may send its next message. */
  async take(): Promise<void> {
    for (;;) {
      const slot = this.slots.shift();
      if (slot !== undefined) {
        const wait = slot - Date.now();
        if (wait > 0) await sleep(wait);
        return;
      }
      if (Date.now() < this.unpacedUntil) return;
      // one reservation at a time; everyone waiting shares its slots
      this.reserving ??= this.reserve().finally(() => {
        this.reserving = undefined;
      });
      await this.reserving;
    }
  }

  /** The relay answered "slow down": every process's rate goes down (once per burst of answers). */
  async throttled(): Promise<void> {
    this.slots = [];
    this.unpacedUntil = 0;
    await throttlePacer(this.pool, {
      factor: ADAPTIVE_RATE.decrease,
      minRate: ADAPTIVE_RATE.minRate,
      ownRate: Math.max(this.acceptedCount.previous, this.acceptedCount.count),
      onceInSeconds: ADAPTIVE_RATE.onceInSeconds,
    });
  }

  /** The relay accepted a message: what a throttle measures the rate from, before outcomes are written. */
  accepted(): void {
    const second = Math.floor(Date.now() / 1000);
    const counted = this.acceptedCount;
    if (second !== counted.second)
      this.acceptedCount = { second, count: 0, previous: second === counted.second + 1 ? counted.count : 0 };
    this.acceptedCount.count++;
  }

  private async reserve(): Promise<void> {
    // the common case, no limit at all, costs one small read a second and no lock
    if (this.ceiling === 0 && (await pacerRate(this.pool)) === null) {
      this.unpacedUntil = Date.now() + UNPACED_RECHECK_MS;
      return;
    }
    const reserved = await withTransaction(this.pool, async (client) => {
      const row = await lockPacer(client);
      const adapted = adaptedRate(row, this.ceiling);
      const rate = adapted ?? (this.ceiling > 0 ? this.ceiling : null);
      if (rate === null) {
        await updatePacer(client, { nextAt: row.nextAt, rate: null, rateAt: row.now });
        return null;
      }
      const count = Math.max(1, Math.ceil(rate * CHUNK_SECONDS));
      const start = Math.max(row.nextAt, row.now);
      await updatePacer(client, { nextAt: start + (count * 1000) / rate, rate: adapted, rateAt: row.now });
      return { rate, count, startInMs: start - row.now };
    });
    if (!reserved) {
      this.unpacedUntil = Date.now() + UNPACED_RECHECK_MS;
      return;
    }
    // the database's clock decides the order; the wait is measured on it and applied to ours
    const start = Date.now() + reserved.startInMs;
    const spacing = 1000 / reserved.rate;
    for (let i = 0; i < reserved.count; i++) this.slots.push(start + i * spacing);
  }
}
