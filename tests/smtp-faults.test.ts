import { expect, it } from 'vitest';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// A relay that answers 421 or 451, or drops the connection, on a share of messages at random.

const bed = useTestBed({
  smtp: true,
  fixtures: true,
  truncate: ['subscribers', 'editions'],
  env: { DELIVERY_RETRY_BASE_SECONDS: '1', DELIVERY_RETRY_MAX_SECONDS: '2', DELIVERY_MAX_ATTEMPTS: '20' },
});

it('delivers everything in the end through 25% faults, records the attempts and waits between them', {
  timeout: 120_000,
}, async () => {
  const subscribers = 80;
  const edition = await readersWithDueEdition(bed.app, subscribers);
  bed.smtp.faultShare = 0.25;

  const first = await bed.app.services.sender.drain(edition.id);
  expect(first.retry).toBeGreaterThan(0);
  // the backoff is there: each row waiting for a retry was made due at least half the base delay later
  const waiting = await bed.pool.query<{ all: number; later: number }>(
    `SELECT count(*)::int AS all,
       count(*) FILTER (WHERE due_at >= updated_at + interval '0.5 seconds')::int AS later
     FROM deliveries WHERE status = 'pending' AND last_error IS NOT NULL`,
  );
  expect(waiting.rows[0]?.all).toBeGreaterThan(0);
  expect(waiting.rows[0]?.later).toBe(waiting.rows[0]?.all);

  const started = Date.now();
  for (;;) {
    await bed.app.services.sender.drain(edition.id);
    const { rows } = await bed.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM deliveries GROUP BY status',
    );
    if (rows.length === 1 && rows[0]?.status === 'sent') break;
    if (Date.now() - started > 100_000) throw new Error(`not all sent: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const recipients = new Set(bed.smtp.messages.map((m) => (m.to as { text: string }).text));
  expect(recipients.size).toBe(subscribers);
  const { rows } = await bed.pool.query<{ attempts: number; retried: number }>(
    `SELECT sum(attempts)::int AS attempts, count(*) FILTER (WHERE attempts > 1)::int AS retried FROM deliveries`,
  );
  // every try reached the relay and is counted; the retried ones took more than one
  expect(rows[0]?.attempts).toBeGreaterThan(subscribers);
  expect(rows[0]?.retried).toBeGreaterThan(0);
});
