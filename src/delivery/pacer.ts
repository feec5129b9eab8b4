import type pg from 'pg';
import { sleep } from '../backoff.ts';
import { reserveSendSlots } from './store.ts';

/**
 * SMTP_RATE_PER_SECOND across every process that sends: workers, `digest send`, a second
 * machine. A relay's limit is on the account, so a per-process limit would be exceeded by
 * the number of workers. The processes share one row holding the next free sending time; each
 * reserves a few slots at a time (a fifth of a second's worth) by moving it forward, then sends
 * each message at its slot. Slots are spaced 1/rate apart and never reused, so all processes
 * together never go faster than the rate; a slot a process leaves unused is simply lost.
 */
export class SendPacer {
  /** Reserved sending times of this process (epoch ms), oldest first. */
  private readonly slots: number[] = [];
  private reserving: Promise<void> | undefined;
  private readonly chunk: number;

  constructor(
    private readonly pool: pg.Pool,
    readonly ratePerSecond: number,
  ) {
    this.chunk = Math.max(1, Math.ceil(ratePerSecond / 5));
  }

  /** Resolves when this process may send its next message. */
  async take(): Promise<void> {
    for (;;) {
      const slot = this.slots.shift();
      if (slot !== undefined) {
        const wait = slot - Date.now();
        if (wait > 0) await sleep(wait);
        return;
      }
      // one reservation at a time; everyone waiting shares its slots
      this.reserving ??= this.reserve().finally(() => {
        this.reserving = undefined;
      });
      await this.reserving;
    }
  }

  private async reserve(): Promise<void> {
    const startInMs = await reserveSendSlots(this.pool, {
      count: this.chunk,
      ratePerSecond: this.ratePerSecond,
    });
    // the database's clock decides the order; the wait is measured on it and applied to ours
    const start = Date.now() + startInMs;
    const spacing = 1000 / this.ratePerSecond;
    for (let i = 0; i < this.chunk; i++) this.slots.push(start + i * spacing);
  }
}
