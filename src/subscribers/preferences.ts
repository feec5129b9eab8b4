import { type Static, Type } from 'typebox';
import { ValidationError } from '../errors.ts';
import { FREQUENCIES, type Frequency } from '../frequency.ts';
import { normalizeTimezone } from './time-zones.ts';

/** What a subscriber chooses about their digest; defaults in DEFAULT_PREFERENCES. */
export interface Preferences {
  frequency: Frequency;
  /** ISO day for weekly mail: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Day of the month for monthly mail: 1 … 28 (every month has it). */
  monthDay: number;
  keywords: string[];
  keywordMode: 'only' | 'boost';
  timezone: string;
  deliveryHour: number;
  maxPapers: number;
  /**
   * How far keywords and answers move papers against the trending order: 0 (what is trending) …
   * 100 (the reader's taste). The digest room reads it (src/digest/personalise.ts).
   */
  personalisation: number;
  /** Words whose papers (title or abstract) never reach this reader, matched like keywords. */
  mutedKeywords: string[];
}

/**
 * The dial's default, chosen from the evaluation on real days (EVALUATION.md): almost all of what
 * the simulated readers gained at 100, with a quarter of the ordering left to trending.
 */
export const DEFAULT_PERSONALISATION = 75;

export const DEFAULT_PREFERENCES: Preferences = {
  frequency: 'daily',
  weekday: 1,
  monthDay: 1,
  keywords: [],
  keywordMode: 'boost',
  timezone: 'UTC',
  deliveryHour: 7,
  maxPapers: 10,
  personalisation: DEFAULT_PERSONALISATION,
  mutedKeywords: [],
};

/**
 * Whether a subscriber left the choices behind "Customise" as they came: keywords, their mode,
 * hour and papers per digest. How often is on the form itself, and the time zone is preselected
 * from the browser, so neither says the reader customised anything.
 */
export function sameAsDefaults(preferences: Preferences): boolean {
  return (
    preferences.keywords.length === 0 &&
    preferences.keywordMode === DEFAULT_PREFERENCES.keywordMode &&
    preferences.deliveryHour === DEFAULT_PREFERENCES.deliveryHour &&
    preferences.maxPapers === DEFAULT_PREFERENCES.maxPapers
  );
}

const MAX_KEYWORDS = 20;
const MAX_KEYWORD_LENGTH = 64;
const MAX_KEYWORD_WORDS = 4;
/**
 * A keyword is a term, never prose or a link: whatever a stranger types into the form must not
 * read as a message if it is ever shown back (no colons, slashes, @, punctuation of sentences).
 */
const KEYWORD = /^[\p{L}\p{N}][\p{L}\p{N}+#.'’ -]*$/u;
/** evil.example, www.x.org: a dot followed by letters; "GPT-4.5" and "C++" are fine. */
const LOOKS_LIKE_A_DOMAIN = /\.\p{L}/u;
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** The preference fields as the API and the forms accept them; every one optional. */
export const PreferencesInput = Type.Object({
  frequency: Type.Optional(Type.Union(FREQUENCIES.map((frequency) => Type.Literal(frequency)))),
  weekday: Type.Optional(
    Type.Union(
      [Type.Integer({ minimum: 1, maximum: 7 }), Type.Union(WEEKDAYS.map((day) => Type.Literal(day)))],
      {
        description: 'day of weekly mail: 1 (Monday) … 7 (Sunday), or its English name',
      },
    ),
  ),
  monthDay: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 28, description: 'day of monthly mail: 1 … 28 of the month after' }),
  ),
  keywords: Type.Optional(
    Type.Union([Type.Array(Type.String(), { maxItems: 100 }), Type.String({ maxLength: 2000 })], {
      description: `up to ${MAX_KEYWORDS} keywords, each a term of 1–${MAX_KEYWORD_LENGTH} characters and at most ${MAX_KEYWORD_WORDS} words (letters, digits, hyphens, + . # '), not a sentence or a link; a string is split at commas`,
    }),
  ),
  keywordMode: Type.Optional(Type.Union([Type.Literal('only'), Type.Literal('boost')])),
  timezone: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'IANA time zone name PostgreSQL knows (pg_timezone_names), e.g. Europe/Paris',
    }),
  ),
  deliveryHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
  maxPapers: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  personalisation: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 100,
      description: `how far keywords and "more / less like this" move papers against the trending order: 0 (what is trending) … 100 (my taste); default ${DEFAULT_PERSONALISATION}`,
    }),
  ),
  mutedKeywords: Type.Optional(
    Type.Union([Type.Array(Type.String(), { maxItems: 100 }), Type.String({ maxLength: 2000 })], {
      description: `words a paper's title or abstract must not name to reach this reader (matched like keywords); up to ${MAX_KEYWORDS}, each as a keyword`,
    }),
  ),
});
export type PreferencesInput = Static<typeof PreferencesInput>;

function normalizeKeywords(
  input: string[] | string,
  field: 'keywords' | 'mutedKeywords' = 'keywords',
): string[] {
  const fromForm = typeof input === 'string';
  const entries = fromForm ? input.split(',') : input;
  const keywords: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const keyword = entry.replace(/\s+/g, ' ').trim();
    if (keyword === '' && fromForm) continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(entry))
      throw new ValidationError(field, 'must not contain control characters');
    if (keyword.length < 1 || keyword.length > MAX_KEYWORD_LENGTH) {
      throw new ValidationError(field, `each keyword must have 1 to ${MAX_KEYWORD_LENGTH} characters`);
    }
    if (
      !KEYWORD.test(keyword) ||
      LOOKS_LIKE_A_DOMAIN.test(keyword) ||
      keyword.split(' ').length > MAX_KEYWORD_WORDS
    ) {
      throw new ValidationError(
        field,
        `each keyword must be a term of at most ${MAX_KEYWORD_WORDS} words of letters, digits, hyphens, + . # or ' (such as "diffusion", "C++", "vision-language models"), not a sentence or a link`,
      );
    }
    const key = keyword.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      keywords.push(keyword);
    }
  }
  if (keywords.length > MAX_KEYWORDS) throw new ValidationError(field, `at most ${MAX_KEYWORDS} keywords`);
  return keywords;
}

function normalizeWeekday(input: number | string): number {
  if (typeof input === 'number') return input;
  return WEEKDAYS.indexOf(input as (typeof WEEKDAYS)[number]) + 1;
}

/** Validated input over a base (the defaults, or the subscriber's current choice). */
export function resolvePreferences(
  input: PreferencesInput,
  base: Preferences = DEFAULT_PREFERENCES,
): Preferences {
  return {
    frequency: input.frequency ?? base.frequency,
    weekday: input.weekday === undefined ? base.weekday : normalizeWeekday(input.weekday),
    monthDay: input.monthDay ?? base.monthDay,
    keywords: input.keywords === undefined ? base.keywords : normalizeKeywords(input.keywords),
    keywordMode: input.keywordMode ?? base.keywordMode,
    timezone: input.timezone === undefined ? base.timezone : normalizeTimezone(input.timezone),
    deliveryHour: input.deliveryHour ?? base.deliveryHour,
    maxPapers: input.maxPapers ?? base.maxPapers,
    personalisation: input.personalisation ?? base.personalisation,
    mutedKeywords:
      input.mutedKeywords === undefined
        ? base.mutedKeywords
        : normalizeKeywords(input.mutedKeywords, 'mutedKeywords'),
  };
}

/** 1st, 2nd, 3rd, 4th … 21st, 22nd, 23rd, 28th. */
function ordinal(day: number): string {
  const suffix =
    day % 10 === 1 && day !== 11
      ? 'st'
      : day % 10 === 2 && day !== 12
        ? 'nd'
        : day % 10 === 3 && day !== 13
          ? 'rd'
          : 'th';
  return `${day}${suffix}`;
}

/**
 * One line a person can read back: "a daily digest at 07:00 (UTC) of up to 10 papers". With
 * `keywords: 'count'` the keywords are counted, not quoted: for mail to an address that has not
 * confirmed, which must carry no text a stranger typed.
 */
export function describePreferences(
  p: Preferences,
  options: { keywords: 'quote' | 'count' } = { keywords: 'quote' },
): string {
  const hour = `${String(p.deliveryHour).padStart(2, '0')}:00`;
  const when =
    p.frequency === 'weekly'
      ? `a weekly digest on ${WEEKDAYS[p.weekday - 1]?.replace(/^./, (c) => c.toUpperCase())}s at ${hour}`
      : p.frequency === 'monthly'
        ? `a monthly digest on the ${ordinal(p.monthDay)} at ${hour}`
        : `a daily digest at ${hour}`;
  const named =
    options.keywords === 'quote'
      ? p.keywords.join(', ')
      : `your ${p.keywords.length === 1 ? 'keyword' : `${p.keywords.length} keywords`}`;
  const keywords =
    p.keywords.length === 0
      ? ''
      : p.keywordMode === 'only'
        ? `, only papers matching ${named}`
        : `, papers matching ${named} first`;
  return `${when} (${p.timezone}) of up to ${p.maxPapers} papers${keywords}`;
}
