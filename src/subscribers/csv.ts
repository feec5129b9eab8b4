import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { FREQUENCIES } from '../frequency.ts';
import type { AddressHasher } from './address-hash.ts';
import { normalizeEmailAddress } from './email-address.ts';
import { KnownTimeZones } from './known-time-zones.ts';
import { type PreferencesInput, resolvePreferences } from './preferences.ts';
import {
  exportSubscribers,
  IMPORTED_STATUSES,
  type ImportRow,
  importSubscribers,
  type ListedStatus,
} from './records.ts';

/**
 * Subscriber lists as CSV, in and out (csv-parse, csv-stringify). The columns are the export's;
 * an import needs `email` and may carry any of the preference columns, each checked as the
 * subscription form checks it (keywords separated by commas, as in the form).
 */
const CSV_COLUMNS = [
  'email',
  'status',
  'frequency',
  'weekday',
  'month_day',
  'keywords',
  'keyword_mode',
  'timezone',
  'delivery_hour',
  'max_papers',
  'personalisation',
  'muted_keywords',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
  'suppressed_at',
  'suppression_reason',
] as const;

/**
 * Spreadsheet formulas (OWASP "CSV Injection"): csv-stringify's `escape_formulas` puts a `'` before
 * a cell that begins with `= + - @`, tab or CR (and their full-width forms), so a spreadsheet shows
 * it as text. A cell that begins with `'` itself gets one more, so that removing exactly one `'`
 * before those characters on import gives back every value as it was.
 */
export const CSV_WRITE_OPTIONS = { escape_formulas: true } as const;
const FORMULA_START = /^'[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20']/;

/** Undoes the export's formula escape: the value as it was stored. */
export function unescapeCsvCell(cell: string): string {
  return FORMULA_START.test(cell) ? cell.slice(1) : cell;
}

/** The export's part of the escape that csv-stringify leaves out: a value that begins with `'`. */
export function escapeLeadingQuote(value: string): string {
  return value.startsWith("'") ? `'${value}` : value;
}

/** Rows written per INSERT: large enough that 100,000 rows take a handful of statements. */
const IMPORT_BATCH_SIZE = 5000;

export interface ImportReport {
  rows: number;
  added: number;
  updated: number;
  /** Addresses already subscribed, left as they were (without `update`). */
  unchanged: number;
  invalid: Array<{ line: number; message: string }>;
}

/** "daily, weekly or monthly" */
const EITHER = new Intl.ListFormat('en-GB', { type: 'disjunction' });

function integer(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim()))
    throw new ValidationError(field, `expected a whole number, got "${value}"`);
  return Number(value);
}

function text(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * One CSV record as a subscriber to import, or every problem it has (each naming its column):
 * an operator fixing a file sees all of a row's mistakes at once, not one per run. Cells are read
 * with their spreadsheet-formula escape undone (unescapeCsvCell).
 */
function importRow(escaped: Record<string, string>): { row: ImportRow } | { problems: string[] } {
  const record = Object.fromEntries(
    Object.entries(escaped).map(([column, cell]) => [column, unescapeCsvCell(cell)]),
  );
  const problems: string[] = [];
  /** The value of one column's check, or undefined with its problem noted. */
  const checked = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };
  const email = checked(() => normalizeEmailAddress(record.email ?? ''));
  const status = checked(() => {
    const status = text(record.status) ?? 'active';
    if (status === 'pending')
      throw new ValidationError(
        'status',
        'pending: this person has not confirmed; ask them to subscribe through the form instead',
      );
    if (!(IMPORTED_STATUSES as readonly string[]).includes(status))
      throw new ValidationError('status', `expected ${IMPORTED_STATUSES.join(', ')}, got "${status}"`);
    return status as ImportRow['status'];
  });
  const frequency = checked(() => {
    const frequency = text(record.frequency);
    if (frequency !== undefined && !(FREQUENCIES as readonly string[]).includes(frequency))
      throw new ValidationError('frequency', `expected ${EITHER.format(FREQUENCIES)}, got "${frequency}"`);
    return frequency as PreferencesInput['frequency'];
  });
  const keywordMode = checked(() => {
    const mode = text(record.keyword_mode);
    if (mode !== undefined && mode !== 'only' && mode !== 'boost')
      throw new ValidationError('keyword_mode', `expected only or boost, got "${mode}"`);
    return mode as PreferencesInput['keywordMode'];
  });
  const ranged = (value: string | undefined, field: string, min: number, max: number) =>
    checked(() => {
      const n = integer(value, field);
      if (n !== undefined && (n < min || n > max))
        throw new ValidationError(field, `must be from ${min} to ${max}`);
      return n;
    });
  const input: PreferencesInput = {
    frequency,
    weekday: ranged(record.weekday, 'weekday', 1, 7),
    monthDay: ranged(record.month_day, 'month_day', 1, 28),
    keywords: record.keywords ?? undefined,
    keywordMode,
    timezone: text(record.timezone),
    deliveryHour: ranged(record.delivery_hour, 'delivery_hour', 0, 23),
    maxPapers: ranged(record.max_papers, 'max_papers', 1, 50),
    personalisation: ranged(record.personalisation, 'personalisation', 0, 100),
    mutedKeywords: record.muted_keywords ?? undefined,
  };
  for (const key of Object.keys(input) as Array<keyof PreferencesInput>)
    if (input[key] === undefined) delete input[key];
  // the free-text settings are checked where preferences are resolved: one at a time, so each
  // problem is told, under its CSV column's name
  checked(() => resolvePreferences({ keywords: input.keywords }));
  checked(() => resolvePreferences({ timezone: input.timezone }));
  checked(() => {
    try {
      return resolvePreferences({ mutedKeywords: input.mutedKeywords });
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError('muted_keywords', error.reason);
      throw error;
    }
  });
  if (problems.length > 0 || email === undefined || status === undefined) return { problems };
  return { row: { email, preferences: resolvePreferences(input), status } };
}

/**
 * Imports people who already opted in, from CSV with a header row: as active subscribers, or as
 * the `status` column says (unsubscribed and suppressed addresses get no mail; a pending one is
 * refused, since only a confirmation can make it active). Invalid
 * rows are reported with their line numbers and skipped; the valid ones are stored in batches, in
 * one transaction (a database failure stores none of them). An address twice in the file is
 * imported once; the second is reported.
 */
export async function importCsv(options: {
  pool: pg.Pool;
  hasher: AddressHasher;
  input: Readable;
  update: boolean;
  onRow?(): void;
}): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, added: 0, updated: 0, unchanged: 0, invalid: [] };
  const parser = options.input.pipe(
    parse({
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      info: true,
    }),
  );
  const firstLine = new Map<string, number>();
  await withTransaction(options.pool, async (client) => {
    const timeZones = new KnownTimeZones(client);
    let batch: ImportRow[] = [];
    const flush = async () => {
      const { added, updated } = await importSubscribers(client, options.hasher, batch, options.update);
      report.added += added;
      report.updated += updated;
      report.unchanged += batch.length - added - updated;
      batch = [];
    };
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      report.rows++;
      options.onRow?.();
      if (report.rows === 1 && !('email' in record))
        throw new ValidationError('email', 'the CSV needs a header row with an email column');
      const imported = importRow(record);
      if ('problems' in imported) {
        report.invalid.push({ line: info.lines, message: imported.problems.join('; ') });
        continue;
      }
      const { row } = imported;
      try {
        // a zone Node accepts and PostgreSQL does not know (known-time-zones.ts)
        await timeZones.check(row.preferences.timezone);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        report.invalid.push({ line: info.lines, message: error.message });
        continue;
      }
      const key = row.email.toLowerCase();
      const seen = firstLine.get(key);
      if (seen !== undefined) {
        report.invalid.push({ line: info.lines, message: `email: ${row.email} is also on line ${seen}` });
        continue;
      }
      firstLine.set(key, info.lines);
      batch.push(row);
      if (batch.length >= IMPORT_BATCH_SIZE) await flush();
    }
    await flush();
  });
  return report;
}

const asCsvValue = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.join(', ');
  return value === null || value === undefined ? '' : String(value);
};

/** Every subscriber (or those of one status) as CSV with a header row; importable again. */
export async function exportCsv(pool: pg.Pool, status?: ListedStatus): Promise<string> {
  const rows = await exportSubscribers(pool, status);
  return stringify(
    rows.map((row) => CSV_COLUMNS.map((column) => escapeLeadingQuote(asCsvValue(row[column])))),
    { ...CSV_WRITE_OPTIONS, header: true, columns: [...CSV_COLUMNS] },
  );
}
