import type { Logger } from 'pino';

export interface WorkLoopOptions<T> {
  /** Handles one claimed item, its outcome recorded; should not throw (what does is logged). */
  handle(item: T): Promise<void>;
  /** The item's id, to track it while in flight. */
  key(item: T): number;
  /** Items claimed per claim. */
  batchSize: number;
  /** Items held at once, claimed and not yet handled: the backpressure bound. */
  maxInFlight: number;
  /** How long an idle loop sleeps before it looks for work again, unless woken. */
  pollMs: number;
  log: Logger;
  /** Called when a claim found nothing, before sleeping: to write what is buffered. */
  onIdle?(): Promise<void>;
}

export type Claim<T> = (limit: number) => Promise<T[]>;

/**
 * A generic polling loop in the manner of pg-boss's worker: claims work with the function it is
 * handed while there is room in flight, hands each item to `handle`, and sleeps when there is
 * nothing to claim until woken or pollMs passes. At most maxInFlight items are held at once:
 * it claims more only as items finish, so slow handling slows claiming instead of filling memory.
 */
export class WorkLoop<T> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Map<number, { item: T; done: Promise<void> }>();
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: WorkLoopOptions<T>) {}

  /** Claims in the background until stop(). */
  start(claim: Claim<T>): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.keepPumping(claim);
  }

  /** Handles everything claim finds now, and returns once it is all handled. */
  async drain(claim: Claim<T>): Promise<void> {
    await this.pump(claim, { untilIdle: true });
  }

  /** The keys of the items claimed and not yet handled. */
  heldKeys(): number[] {
    return [...this.inFlight.keys()];
  }

  /** Asks a sleeping loop to look for work now (work was just queued, an item finished). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * No more claims; items in flight finish. Resolves with those still in flight after graceMs
   * (a relay hanging), for the caller to hand back.
   */
  async stop(graceMs: number): Promise<T[]> {
    this.running = false;
    this.wake();
    const finished = this.loop ? this.loop.then(() => true) : Promise.resolve(true);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      finished,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return inTime ? [] : [...this.inFlight.values()].map((entry) => entry.item);
  }

  /** pump() catches what it expects; anything else is logged and the loop starts over. */
  private async keepPumping(claim: Claim<T>): Promise<void> {
    while (this.running) {
      try {
        await this.pump(claim, { untilIdle: false });
      } catch (error) {
        this.options.log.error({ err: error }, 'work loop failed; starting it again');
        await this.sleep(this.options.pollMs);
      }
    }
  }

  /**
   * Claims while there is room in flight; with nothing to claim, sleeps until woken or the poll
   * interval passes, or (untilIdle) returns once everything claimed is handled.
   */
  private async pump(claim: Claim<T>, { untilIdle }: { untilIdle: boolean }): Promise<void> {
    const { batchSize, maxInFlight, pollMs, log } = this.options;
    while (this.running || untilIdle) {
      const room = maxInFlight - this.inFlight.size;
      // refill in batches, not one item per finished one: a claim is a round trip to the database
      if (room <= 0 || (room < Math.min(batchSize, maxInFlight) / 2 && this.inFlight.size > 0)) {
        await this.sleep(pollMs);
        continue;
      }
      let claimed: T[] = [];
      try {
        claimed = await claim(Math.min(room, batchSize));
      } catch (error) {
        log.error({ err: error }, 'could not claim work; trying again');
        if (untilIdle) throw error;
      }
      for (const item of claimed) this.dispatch(item);
      if (claimed.length > 0) continue;
      if (untilIdle) {
        if (this.inFlight.size === 0) break;
        await Promise.race([...this.inFlight.values()].map((entry) => entry.done));
        continue;
      }
      await this.options.onIdle?.();
      await this.sleep(pollMs);
    }
    await Promise.all([...this.inFlight.values()].map((entry) => entry.done));
    await this.options.onIdle?.();
  }

  private dispatch(item: T): void {
    const key = this.options.key(item);
    const done = this.options
      .handle(item)
      .catch((error) => this.options.log.error({ err: error, key }, 'work item failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(key);
        this.wake();
      });
    this.inFlight.set(key, { item, done });
  }

  /** Like sleep(ms), but wake() ends it early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}
