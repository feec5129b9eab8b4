import { ValidationError } from '../errors.ts';

/**
 * Zones IANA has renamed whose old name Node 20's ICU still lists as the canonical one. The
 * forms offer the current names (both work: the old ones are links to the new). Written here
 * because no small, maintained package maps only these; the list changes every few years.
 */
const RENAMED: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'America/Godthab': 'America/Nuuk',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The time zones the forms offer, UTC first, by their current IANA names, in order. */
export const TIME_ZONES: readonly string[] = [
  'UTC',
  ...Intl.supportedValuesOf('timeZone')
    .filter((zone) => zone !== 'UTC')
    .map((zone) => RENAMED[zone] ?? zone)
    .sort(),
];
const CANONICAL = new Set([...TIME_ZONES, ...Object.keys(RENAMED)]);

/** A time zone as typed → its IANA name, or a ValidationError naming `timezone`. */
export function normalizeTimezone(input: string): string {
  const name = input.trim();
  if (CANONICAL.has(name)) return name;
  // Links such as Asia/Calcutta are valid IANA names though not in the canonical list;
  // abbreviations (EST) and offsets (+05:00) are not names and are refused.
  if (/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(name)) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      return name;
    } catch {
      // falls through to the error below
    }
  }
  throw new ValidationError('timezone', `"${name}" is not an IANA time zone name such as Europe/Paris`);
}
