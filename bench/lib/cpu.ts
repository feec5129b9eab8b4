/** CPU time of the processes a benchmark runs beside itself, from Linux's /proc (0 elsewhere). */
import { readdirSync, readFileSync } from 'node:fs';

/** One clock tick of /proc's times, in µs. */
export const TICK_US = 10_000;

/**
 * Clock ticks of a process's user and system time (Linux's /proc; 0 elsewhere), and with
 * `children` those of its children that have exited.
 */
export function ticksOf(pid: number | string, children = false): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []).map(Number);
    const own = (fields[11] ?? 0) + (fields[12] ?? 0);
    return children ? own + (fields[13] ?? 0) + (fields[14] ?? 0) : own;
  } catch {
    return 0;
  }
}

/**
 * The CPU of the machine's PostgreSQL server: every
 * server process's own time, and what its exited children (connections closed since) used.
 */
export function postgresTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') ticks += ticksOf(pid, true);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}
