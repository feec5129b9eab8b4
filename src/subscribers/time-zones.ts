import { ValidationError } from '../errors.ts';

/** The time zones the forms offer, UTC first: the runtime's canonical IANA names. */
export const TIME_ZONES: readonly string[] = [
  'UTC',
  ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC'),
];
const CANONICAL = new Set(TIME_ZONES);

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
