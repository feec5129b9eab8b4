import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.ts';
import { normalizeEmailAddress } from '../src/subscribers/email-address.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Property-based: random and hostile input everywhere the public can reach. Never a 5xx, and
// nothing stored from a rejected request. Runs are bounded so the suite stays quick; a failure
// prints the seed and the shrunk input to replay it.

const bed = useTestBed({ truncate: ['subscribers'], env: { WEBHOOK_SECRET: 'webhook-secret-for-tests' } });
const RUNS = { numRuns: 60 };

/** Strings that have broken parsers before: line breaks of every kind, SQL, markup, long runs. */
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '\r\nBcc: all@example.org',
    'a\u2028b',
    'a\u2029b',
    '\u0000',
    "'; DROP TABLE subscribers; --",
    '" OR 1=1 --',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\ud800',
    '2026-02-30',
    '9999-99-99',
    'x'.repeat(5000),
    '💥'.repeat(300),
  ),
);
const anyValue = fc.oneof(
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostile, { maxLength: 30 }),
);
const fieldNames = fc.constantFrom(
  'email',
  'frequency',
  'weekday',
  'keywords',
  'keywordMode',
  'timezone',
  'deliveryHour',
  'maxPapers',
  'List-Unsubscribe',
  '__proto__',
  'constructor',
);
const body = fc.dictionary(fc.oneof(fieldNames, fc.string()), anyValue, { maxKeys: 10 });

async function stored() {
  const { rows } = await bed.pool.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM subscribers) + (SELECT count(*) FROM deliveries)
       + (SELECT count(*) FROM subscription_requests) AS n`,
  );
  return Number(rows[0]?.n);
}

/** Percent-encodes every byte of the UTF-8 form (a lone surrogate becomes U+FFFD, as on the wire). */
const encode = (value: unknown) =>
  [...Buffer.from(String(value), 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
const formEncode = (fields: Record<string, unknown>) =>
  Object.entries(fields)
    .map(([key, value]) => `${encode(key)}=${encode(value)}`)
    .join('&');

describe('the address parser', () => {
  it('returns a clean, bounded, stable address or names the field; never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.emailAddress()), (input) => {
        let address: string;
        try {
          address = normalizeEmailAddress(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).field).toBe('email');
          return;
        }
        // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never pass
        expect(address).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029<>\s]/);
        expect(address.length).toBeLessThanOrEqual(254);
        expect(normalizeEmailAddress(address)).toBe(address);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('public routes under random and hostile input', () => {
  it('POST /api/subscriptions: JSON or form, never a 5xx, nothing stored unless accepted', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (fields, asForm) => {
        await bed.pool.query('TRUNCATE subscribers CASCADE');
        const response = await bed.app.inject({
          method: 'POST',
          url: '/api/subscriptions',
          ...(asForm
            ? {
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                payload: formEncode(fields),
              }
            : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(fields) }),
        });
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode !== 202) expect(await stored()).toBe(0);
      }),
      RUNS,
    );
  });

  it('link routes: any token, any body, any method they answer to: never a 5xx, nothing changed', async () => {
    await bed.app.services.subscribers.subscribe({ email: 'victim@example.org' });
    const before = await bed.pool.query('SELECT * FROM subscribers');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('confirm', 'unsubscribe', 'preferences'),
        hostile,
        body,
        fc.constantFrom('GET', 'POST'),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'multipart/form-data; boundary=x',
          'text/plain',
        ),
        async (kind, token, fields, method, type) => {
          const response = await bed.app.inject({
            method,
            url: `/${kind}/${encode(token)}`,
            ...(method === 'POST'
              ? {
                  headers: { 'content-type': type },
                  payload: type.startsWith('application/json') ? JSON.stringify(fields) : formEncode(fields),
                }
              : {}),
          });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      RUNS,
    );
    expect((await bed.pool.query('SELECT * FROM subscribers')).rows).toEqual(before.rows);
  });

  it('the archive, with any day and frequency: 200 or 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
        ),
        hostile,
        async (day, frequency) => {
          const response = await bed.app.inject({
            method: 'GET',
            url: `/digests/${encode(day)}?frequency=${encode(frequency)}`,
          });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });

  it('the delivery-events webhook, with any events: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(body, { maxLength: 5 }), async (events) => {
        const response = await bed.app.inject({
          method: 'POST',
          url: '/api/webhooks/delivery-events',
          headers: { authorization: 'Bearer webhook-secret-for-tests' },
          payload: { events },
        });
        expect(response.statusCode).toBeLessThan(500);
      }),
      RUNS,
    );
  });
});
