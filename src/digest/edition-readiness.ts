import { addDays } from '../dates.ts';
import type { Queryable } from '../db/transaction.ts';
import { type Frequency, ruleOf } from '../frequency.ts';
import { type DayIngestState, dayIngestState } from '../papers/store.ts';

/**
 * When an edition may be built. A daily edition is the complete day: Hugging Face keeps adding
 * papers and votes to a day's list until the day ends in UTC, so the edition waits for an ingest
 * of its day that started after that moment and succeeded (the worker ingests yesterday every
 * 30 minutes). If none has within EDITION_MAX_WAIT_HOURS of the day's end, it is built from what
 * is stored, with a note that says so. A weekly or monthly edition waits for its span to end.
 */
export type Readiness = { ready: true; note: string | null } | { ready: false; reason: string };

const HOUR_MS = 60 * 60 * 1000;
const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' });

/** "2026-07-02 00:00 UTC" */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The moment a day ends in UTC. */
function endOf(day: string): Date {
  return new Date(`${addDays(day, 1)}T00:00:00Z`);
}

function lastIngest(state: DayIngestState, dayEnd: Date): string {
  if (!state.last) return 'no ingest of it has run yet';
  if (state.last.error) return `the last ingest, at ${utcMinute(state.last.at)}, failed: ${state.last.error}`;
  if (state.last.at < dayEnd)
    return `the last ingest ran at ${utcMinute(state.last.at)}, before the day ended`;
  return `the last ingest ran at ${utcMinute(state.last.at)}`;
}

export async function readiness(
  db: Queryable,
  frequency: Frequency,
  day: string,
  now: Date,
  maxWaitHours: number,
): Promise<Readiness> {
  const rule = ruleOf(frequency);
  if (!rule.waitsForIngest) {
    const spanEnd = endOf(rule.lastDay(day));
    return now >= spanEnd
      ? { ready: true, note: null }
      : {
          ready: false,
          reason: `${rule.describeSpan(day).replace(/^./, (c) => c.toUpperCase())} ends at ${utcMinute(spanEnd)}; it is built after that.`,
        };
  }
  const state = await dayIngestState(db, { day });
  if (state.completeAt) return { ready: true, note: null };
  const dayEnd = endOf(day);
  const deadline = new Date(dayEnd.getTime() + maxWaitHours * HOUR_MS);
  if (now >= deadline) {
    return {
      ready: true,
      note: `Built at ${utcMinute(now)} from what was stored: no ingest of ${day} that started after the day ended succeeded within ${maxWaitHours} h (EDITION_MAX_WAIT_HOURS); ${lastIngest(state, dayEnd)}.`,
    };
  }
  return {
    ready: false,
    reason: `Waiting for an ingest of ${day} after the day ended (${utcMinute(dayEnd)}), when its list is complete; ${lastIngest(state, dayEnd)}. Built from what is stored at ${utcMinute(deadline)} at the latest (EDITION_MAX_WAIT_HOURS).`,
  };
}

/** Why no paper is stored for a day, in words for the operator. */
export async function whyNoPapers(db: Queryable, day: string): Promise<string> {
  const weekday = WEEKDAY.format(new Date(`${day}T00:00:00Z`));
  if (weekday === 'Saturday' || weekday === 'Sunday') {
    return `${day} is a ${weekday}: Hugging Face publishes papers on weekdays.`;
  }
  const state = await dayIngestState(db, { day });
  if (!state.last) return `${day} has not been ingested yet.`;
  if (state.last.error)
    return `The last ingest of ${day}, at ${utcMinute(state.last.at)}, failed: ${state.last.error}`;
  return `The source listed no papers for ${day} (last ingest at ${utcMinute(state.last.at)}).`;
}
