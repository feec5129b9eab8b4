import { addDays } from './dates.ts';

/** How often a subscriber gets a digest, and how often an edition is built: said once. */
export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * Everything that differs from one frequency to another, in one place: the span an edition
 * covers and the day it is keyed by, when it is complete, when it goes out and which of a
 * reader's settings moves that day, how many papers it keeps, and how it is named. Editions,
 * their readiness, the fan-out and the schedule that publishes them all read it here.
 */
export interface FrequencyRule {
  /** The day an edition is keyed by, for any date of its span. */
  editionDay(date: string): string;
  /** The last day of the span of the edition keyed by `day`. */
  lastDay(day: string): string;
  /** The day the edition keyed by `day` goes out, before a reader's own day moves it. */
  sendDay(day: string): string;
  /**
   * The keys of the editions the edition schedule builds and fans out on `today` (UTC), oldest
   * first, the last of them the latest whose span has ended.
   */
  lookedAfter(today: string): string[];
  /**
   * Whether an edition, once its span has ended, also waits for an ingest of its day that started
   * after the day ended (digest/edition-readiness.ts): a day's list keeps growing until then.
   */
  waitsForIngest: boolean;
  /** The subscriber setting that moves the send day (days after sendDay: its value - 1), if any. */
  readerDay: 'weekday' | 'month_day' | null;
  /** The most papers an edition keeps, best first; null: all of its span's. */
  size: number | null;
  /** The span in words: "2026-03-12", "the week of 2026-03-09 (to 2026-03-15)", "March 2026". */
  describeSpan(day: string): string;
}

/** The Monday of a date's ISO week. */
function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

const firstOfMonth = (date: string) => `${date.slice(0, 7)}-01`;
/** The first day of the month after the one `date` is in. */
function firstOfNextMonth(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}
const MONTH = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * Daily editions the schedule still looks after, counting back from yesterday: one waiting for
 * its complete list, or empty when its papers arrive late, is built or filled by a later run. A
 * week covers an outage of the source over a long weekend; an older day is the operator's
 * (`paperboy ingest --date`, then `digest build`).
 */
export const RECENT_DAILY_EDITIONS = 7;

/** A weekly or monthly edition keeps the best papers of its span: room for keyword matches beyond 50. */
const SPAN_EDITION_SIZE = 100;

export const FREQUENCY_RULES: Record<Frequency, FrequencyRule> = {
  // the papers featured on a day, sent the next day, when the day's list is complete
  daily: {
    editionDay: (date) => date,
    lastDay: (day) => day,
    sendDay: (day) => addDays(day, 1),
    lookedAfter: (today) =>
      Array.from({ length: RECENT_DAILY_EDITIONS }, (_, i) => addDays(today, -RECENT_DAILY_EDITIONS + i)),
    waitsForIngest: true,
    readerDay: null,
    size: null,
    describeSpan: (day) => day,
  },
  // the ISO week's papers, keyed by its Monday, sent in the week after on each reader's weekday
  weekly: {
    editionDay: mondayOf,
    lastDay: (day) => addDays(day, 6),
    sendDay: (day) => addDays(day, 7),
    lookedAfter: (today) => [mondayOf(addDays(today, -7))],
    waitsForIngest: false,
    readerDay: 'weekday',
    size: SPAN_EDITION_SIZE,
    describeSpan: (day) => `the week of ${day} (to ${addDays(day, 6)})`,
  },
  // the month's papers, keyed by its first day, sent in the month after on each reader's day of the month
  monthly: {
    editionDay: firstOfMonth,
    lastDay: (day) => addDays(firstOfNextMonth(day), -1),
    sendDay: firstOfNextMonth,
    lookedAfter: (today) => [firstOfMonth(addDays(firstOfMonth(today), -1))],
    waitsForIngest: false,
    readerDay: 'month_day',
    size: SPAN_EDITION_SIZE,
    describeSpan: (day) => MONTH.format(new Date(`${day}T00:00:00Z`)),
  },
};

export const ruleOf = (frequency: Frequency): FrequencyRule => FREQUENCY_RULES[frequency];
