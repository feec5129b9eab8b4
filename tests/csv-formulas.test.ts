import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CSV_WRITE_OPTIONS,
  escapeLeadingQuote,
  exportCsv,
  importCsv,
  unescapeCsvCell,
} from '../src/subscribers/csv.ts';
import { useTestBed } from './helpers/test-bed.ts';

// CSV exports open in spreadsheets: a cell that begins with = + - @, tab or CR is a formula there
// (OWASP "CSV Injection"). The export escapes it, the import undoes it, a round trip is exact.

const bed = useTestBed({ truncate: ['subscribers'] });

/** What a spreadsheet would run: a cell beginning with one of OWASP's characters. */
const LIVE_FORMULA = /^[=+\-@\t\r]/;

describe('the escape', () => {
  it('gives back every value exactly, through csv-stringify and csv-parse', () => {
    const cell = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc
        .tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", "''", "'=", '＝', '＠'), fc.string())
        .map(([start, rest]) => start + rest),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (row) => {
        const text = stringify([row.map(escapeLeadingQuote)], CSV_WRITE_OPTIONS);
        const [parsed] = parse(text, { relax_column_count: true }) as string[][];
        for (const written of parsed ?? []) expect(written).not.toMatch(LIVE_FORMULA);
        expect((parsed ?? []).map(unescapeCsvCell)).toEqual(row);
      }),
      { numRuns: 500 },
    );
  });
});

describe('subscribers export and import', () => {
  it('writes no live formula for the audit’s address and webhook reason, and imports them back as they were', async () => {
    const address = "=cmd|'/Ccalc.exe'!A0@x.org";
    // accepted by the subscribe form: a valid address
    await bed.app.services.subscribers.subscribe({ email: address, keywords: 'agents' });
    await bed.pool.query(
      `UPDATE subscribers SET status = 'active', suppressed_at = now(),
         suppression_reason = '=HYPERLINK("https://evil.example","click")'`,
    );
    const exported = await exportCsv(bed.pool);
    const cells = (parse(exported) as string[][]).flat();
    expect(cells.filter((cell) => LIVE_FORMULA.test(cell))).toEqual([]);
    expect(cells).toContain(`'${address}`);

    await bed.pool.query('TRUNCATE subscribers CASCADE');
    const report = await importCsv({
      pool: bed.pool,
      hasher: bed.app.services.addressHasher,
      input: Readable.from([exported]),
      update: false,
    });
    expect(report).toMatchObject({ added: 1, invalid: [] });
    const { rows } = await bed.pool.query('SELECT email, keywords FROM subscribers');
    expect(rows).toEqual([{ email: address, keywords: ['agents'] }]);
  });
});
