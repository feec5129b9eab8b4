import { setTimeout } from 'node:timers/promises';

/** Waits ms milliseconds. */
export const sleep = (ms: number): Promise<void> => setTimeout(ms);

export interface Backoff {
  /** The ceiling of the first retry's wait; doubled for each retry after it. */
  base: number;
  /** No ceiling grows beyond this. */
  cap: number;
}

/**
 * The wait before retry number `retry` (0 for the first): exponential, capped, with "equal
 * jitter" (half the ceiling, plus a random part of the other half), so many callers failing
 * at the same moment (one outage) spread their retries out instead of returning together.
 * In whatever unit base and cap are given.
 */
export function backoffDelay(
  retry: number,
  { base, cap }: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, retry));
  return ceiling / 2 + random() * (ceiling / 2);
}
