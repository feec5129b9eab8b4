import { ValidationError } from './errors.ts';

/** Calendar days as YYYY-MM-DD strings, in UTC: the form the papers API and editions use. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/** Whether value is a YYYY-MM-DD that names a real day (not 2026-02-30, not 9999-99-99). */
export function isRealDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && isoDay(date) === value;
}

/** Checks a YYYY-MM-DD that names a real day (no 2026-02-30). */
export function parseDay(value: string, field = 'date'): string {
  if (!isRealDay(value)) {
    throw new ValidationError(field, `expected a date as YYYY-MM-DD, got "${value}"`);
  }
  return value;
}
