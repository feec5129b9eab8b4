import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/db/database.ts';
import { SendPacer } from '../src/delivery/pacer.ts';
import { OutcomeRecorder } from '../src/delivery/recorder.ts';
import { claimDue, deliveryStore } from '../src/delivery/store.ts';
import { buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ smtp: true, env: { DELIVERY_MAX_ATTEMPTS: '3' }, truncate: ['subscribers'] });

async function queueConfirmation(email = 'ann@example.org') {
  await bed.app.services.subscribers.subscribe({ email });
}

/** Polls until check holds (at most 20 s). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 20_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function delivery() {
  const { rows } = await bed.pool.query(
    `SELECT status, attempts, last_error, smtp_response, message_id, due_at > now() AS later, lease_expires_at FROM deliveries`,
  );
  return rows[0];
}

/** Makes a row waiting for a retry due now, as time passing would. */
async function makeDue() {
  await bed.pool.query(`UPDATE deliveries SET due_at = now() WHERE status = 'pending'`);
}

describe('outcomes of a send', () => {
  it('records a 250 as sent, with the Message-ID and the server’s answer', async () => {
    await queueConfirmation();
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 1 });
    const row = await delivery();
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lease_expires_at: null });
    expect(row.message_id).toMatch(/^<delivery-\d+\.confirmation@paperboy\.test>$/);
    expect(row.smtp_response).toMatch(/^250/);
  });

  it('retries a 4xx later, with backoff, then sends', async () => {
    await queueConfirmation();
    bed.smtp.behaviours.push({ code: 451, message: 'try again later' });
    expect(await bed.app.services.sender.drain()).toMatchObject({ retry: 1 });
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 1, later: true });
    expect((await delivery()).last_error).toContain('451');
    // not due yet: nothing is claimed
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 0, retry: 0 });
    await makeDue();
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 1 });
    expect(await delivery()).toMatchObject({ status: 'sent', attempts: 2 });
    expect(bed.smtp.messages).toHaveLength(1);
  });

  it('retries after a dropped connection', async () => {
    await queueConfirmation();
    bed.smtp.behaviours.push({ dropConnection: true });
    expect(await bed.app.services.sender.drain()).toMatchObject({ retry: 1 });
    await makeDue();
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 1 });
    expect(bed.smtp.messages).toHaveLength(1);
  });

  it('fails a 5xx at once', async () => {
    await queueConfirmation();
    bed.smtp.behaviours.push({ code: 550, message: '5.1.1 no such user' });
    expect(await bed.app.services.sender.drain()).toMatchObject({ failed: 1 });
    const row = await delivery();
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.smtp_response).toContain('550');
  });

  it('gives up after DELIVERY_MAX_ATTEMPTS transient failures', async () => {
    await queueConfirmation();
    for (let i = 0; i < 3; i++) bed.smtp.behaviours.push({ code: 421, message: 'busy' });
    for (let i = 0; i < 3; i++) {
      await bed.app.services.sender.drain();
      await makeDue();
    }
    expect(await delivery()).toMatchObject({ status: 'failed', attempts: 3 });
    expect(bed.smtp.messages).toHaveLength(0);
  });

  it('cancels a confirmation that is no longer needed', async () => {
    await queueConfirmation();
    // confirmed meanwhile through its link: its request is applied
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
    await bed.pool.query(`UPDATE subscription_requests SET applied_at = now()`);
    expect(await bed.app.services.sender.drain()).toMatchObject({ cancelled: 1 });
    expect(await delivery()).toMatchObject({ status: 'cancelled' });
    expect(bed.smtp.messages).toHaveLength(0);
  });

  it('takes back a row whose lease ran out (its worker died mid-send), without counting an attempt for it', async () => {
    await queueConfirmation();
    await bed.pool.query(
      `UPDATE deliveries SET status = 'sending', attempts = 1, lease_token = gen_random_uuid(),
         lease_expires_at = now() - interval '1 second'`,
    );
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 1 });
    const { rows } = await bed.pool.query('SELECT attempts, expired_leases FROM deliveries');
    expect(rows[0]).toEqual({ attempts: 2, expired_leases: 1 });
  });

  it('takes back expired leases before rows that are merely due', async () => {
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) await queueConfirmation(email);
    const { rows } = await bed.pool.query<{ id: number }>(
      `UPDATE deliveries SET status = 'sending', lease_token = gen_random_uuid(),
         lease_expires_at = now() - interval '1 second'
       WHERE id = (SELECT max(id) FROM deliveries) RETURNING id`,
    );
    // the crashed row is newer than the due ones, and due later: it still comes first
    await bed.pool.query(`UPDATE deliveries SET due_at = now() - interval '1 hour' WHERE status = 'pending'`);
    const claimed = await claimDue(bed.pool, { limit: 1, leaseSeconds: 60, heldIds: [], takeExpired: true });
    expect(claimed.map((row) => row.id)).toEqual([rows[0]!.id]);
  });

  it('leaves a row under a live lease alone', async () => {
    await queueConfirmation();
    await bed.pool.query(
      `UPDATE deliveries SET status = 'sending', attempts = 1, lease_expires_at = now() + interval '1 minute'`,
    );
    expect(await bed.app.services.sender.drain()).toMatchObject({ sent: 0 });
    expect(bed.smtp.messages).toHaveLength(0);
  });
});

describe('leases', () => {
  it('a relay slower than the lease duplicates nothing: each worker keeps the leases of what it holds', {
    timeout: 90_000,
  }, async () => {
    // two workers, one connection each, six messages in flight each at 1.5 s a message: the
    // last of each worker's window waits 9 s for the relay, past a 5 s lease
    const env = {
      DATABASE_URL: bed.database.url,
      SMTP_URL: bed.smtp.url,
      SMTP_MAX_CONNECTIONS: '1',
      SENDER_MAX_IN_FLIGHT: '6',
      DELIVERY_LEASE_SECONDS: '5',
    };
    const workers = [await buildApp(testConfig(env)), await buildApp(testConfig(env))];
    try {
      for (let i = 0; i < 12; i++) await queueConfirmation(`reader${i}@example.org`);
      bed.smtp.delayMs = 1500;
      const counts = await Promise.all(workers.map((worker) => worker.services.sender.drain()));
      expect(counts.reduce((sum, c) => sum + c.sent, 0)).toBe(12);
      expect(bed.smtp.messages).toHaveLength(12);
      const { rows } = await bed.pool.query(
        `SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`,
      );
      expect(rows).toEqual([{ status: 'sent', n: 12 }]);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  });

  it('sends nothing whose lease another worker has taken since it was claimed', {
    timeout: 30_000,
  }, async () => {
    const worker = await buildApp(
      testConfig({
        DATABASE_URL: bed.database.url,
        SMTP_URL: bed.smtp.url,
        SMTP_MAX_CONNECTIONS: '1',
        DELIVERY_LEASE_SECONDS: '5',
      }),
    );
    try {
      await queueConfirmation('ann@example.org');
      await queueConfirmation('bob@example.org');
      const lost: number[] = [];
      worker.services.sender.events.on('leaseLost', (delivery) => lost.push(delivery.id));
      // the relay holds the first message 4 s; the second waits for the one connection, and
      // meanwhile another worker claims it (a new lease token), as after a pause of this one
      bed.smtp.delayMs = 4000;
      const draining = worker.services.sender.drain();
      await waitFor(async () => bed.smtp.connections > 0);
      const { rows } = await bed.pool.query<{ id: number }>(
        `UPDATE deliveries SET lease_token = gen_random_uuid()
         WHERE id = (SELECT max(id) FROM deliveries) AND status = 'sending' RETURNING id`,
      );
      expect(await draining).toMatchObject({ sent: 1 });
      expect(lost).toEqual([rows[0]!.id]);
      expect(bed.smtp.messages).toHaveLength(1);
      // the other worker's claim is untouched
      const { rows: after } = await bed.pool.query(`SELECT status FROM deliveries WHERE id = $1`, [
        rows[0]!.id,
      ]);
      expect(after[0]).toEqual({ status: 'sending' });
    } finally {
      await worker.close();
    }
  });
});

describe('recording outcomes', () => {
  const recorderOf = (pool: pg.Pool) => ({
    store: deliveryStore(pool),
    log: bed.app.services.log.child({}, { level: 'silent' }),
    softBounceLimit: 3,
  });

  /** A queued confirmation, claimed by no one in particular: its id. */
  async function leasedDelivery(): Promise<{ id: number; subscriberId: string; leaseToken: string }> {
    await queueConfirmation();
    return lease();
  }

  /** Claims the delivery as a worker would: a new lease token. */
  async function lease(): Promise<{ id: number; subscriberId: string; leaseToken: string }> {
    const { rows } = await bed.pool.query<{ id: number; subscriber_id: string; lease_token: string }>(
      `UPDATE deliveries SET status = 'sending', lease_token = gen_random_uuid(),
         lease_expires_at = now() + interval '1 minute'
       RETURNING id, subscriber_id, lease_token`,
    );
    return { id: rows[0]!.id, subscriberId: rows[0]!.subscriber_id, leaseToken: rows[0]!.lease_token };
  }

  it('settles each record once its batch is written, whether by the timer, a full buffer or an explicit flush', async () => {
    const { id, subscriberId, leaseToken } = await leasedDelivery();

    const byFlush = new OutcomeRecorder({ ...recorderOf(bed.pool), maxBuffered: 500, maxDelayMs: 60_000 });
    const retry = {
      outcome: 'retry',
      id,
      leaseToken,
      subscriberId,
      error: 'x',
      delaySeconds: 60,
      relay: true,
    } as const;
    const recorded = byFlush.record(retry);
    await byFlush.flush();
    await recorded;
    expect(await delivery()).toMatchObject({ status: 'pending', later: true, attempts: 1 });

    const second = await lease();
    const byTimer = new OutcomeRecorder({ ...recorderOf(bed.pool), maxBuffered: 500, maxDelayMs: 20 });
    await byTimer.record({ outcome: 'cancelled', id, leaseToken: second.leaseToken, reason: 'test' });
    expect(await delivery()).toMatchObject({ status: 'cancelled' });

    const third = await lease();
    const bySize = new OutcomeRecorder({ ...recorderOf(bed.pool), maxBuffered: 1, maxDelayMs: 60_000 });
    const failed = { outcome: 'failed', id, subscriberId, error: 'y', response: null, relay: false } as const;
    await bySize.record({ ...failed, leaseToken: third.leaseToken });
    // a failure before SMTP is not a relay attempt
    expect(await delivery()).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('writes an outcome only while the row is still in the claim that produced it', async () => {
    const first = await leasedDelivery();
    // the lease ran out and another worker claimed the row: the first worker's outcome is late
    const second = await lease();
    const recorder = new OutcomeRecorder({ ...recorderOf(bed.pool), maxBuffered: 1 });
    const sent = { outcome: 'sent', id: first.id, response: '250 ok' } as const;
    await recorder.record({ ...sent, leaseToken: first.leaseToken, messageId: '<late@x>' });
    expect(await delivery()).toMatchObject({ status: 'sending', message_id: null });
    await recorder.record({ ...sent, leaseToken: second.leaseToken, messageId: '<current@x>' });
    expect(await delivery()).toMatchObject({ status: 'sent', message_id: '<current@x>' });
  });

  it('keeps trying while the database cannot take the outcome, and writes it late, after the lease', {
    timeout: 30_000,
  }, async () => {
    const { id, leaseToken } = await leasedDelivery();
    await bed.pool.query(`UPDATE deliveries SET lease_expires_at = now() + interval '1 second'`);
    // a pool of one connection, held elsewhere: every write times out waiting for it, as in a
    // worker whose pool is exhausted or whose database is away, until the holder lets go
    const busy = createPool(bed.database.url, 1);
    busy.options.connectionTimeoutMillis = 200;
    try {
      const holder = await busy.connect();
      const patient = new OutcomeRecorder({ ...recorderOf(busy), maxBuffered: 500, maxDelayMs: 10 });
      const recorded = patient.record({
        outcome: 'sent',
        id,
        leaseToken,
        messageId: '<m@x>',
        response: '250 ok',
      });
      // past the lease, and past several tries with backoff
      await waitFor(async () => (await delivery()).lease_expires_at < new Date(Date.now() - 2000));
      expect(await delivery()).toMatchObject({ status: 'sending' });
      holder.release();
      await recorded;
      expect(await delivery()).toMatchObject({ status: 'sent', message_id: '<m@x>', attempts: 1 });
    } finally {
      await busy.end();
    }
  });
});

describe('a relay that throttles', () => {
  it('slows every sender down and charges no subscriber for its refusals', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 80; i++) await queueConfirmation(`reader${i}@example.org`);
    bed.smtp.admitPerSecond = 20;
    const counts = await bed.app.services.sender.drain();
    expect(counts).toMatchObject({ failed: 0, retry: 0 });
    // handed back, not failed: what the relay refused is taken again until it is sent
    await waitFor(async () => {
      await bed.app.services.sender.drain();
      return bed.smtp.messages.length === 80;
    });
    expect(bed.smtp.throttled).toBeGreaterThan(0);
    const { rows } = await bed.pool.query(
      `SELECT status, attempts, count(*)::int AS n FROM deliveries GROUP BY status, attempts`,
    );
    expect(rows).toEqual([{ status: 'sent', attempts: 1, n: 80 }]);
    const pacer = await bed.pool.query(`SELECT rate FROM send_pacer`);
    expect(pacer.rows[0].rate).toBeGreaterThan(0);
    expect(pacer.rows[0].rate).toBeLessThan(40);
  });
});

describe('the send rate (SMTP_RATE_PER_SECOND)', () => {
  it('holds for all processes together, not for each', { timeout: 30_000 }, async () => {
    // two pacers on pools of their own, as two worker processes would have
    const pools = [createPool(bed.database.url, 2), createPool(bed.database.url, 2)];
    try {
      const [first, second] = pools.map((pool) => new SendPacer(pool, 20));
      const times: number[] = [];
      const sendMany = async (pacer: SendPacer) => {
        for (let i = 0; i < 30; i++) {
          await pacer.take();
          times.push(Date.now());
        }
      };
      await Promise.all([sendMany(first!), sendMany(second!)]);
      // 60 sends at 20 per second: 3 s less the slots each reserves ahead (4); two limits of
      // 20 each would have taken 1.5 s
      const elapsed = Math.max(...times) - Math.min(...times);
      expect(elapsed).toBeGreaterThanOrEqual(((60 - 8) / 20) * 1000 - 100);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('paces the sender', { timeout: 30_000 }, async () => {
    const paced = await buildApp(
      testConfig({ DATABASE_URL: bed.database.url, SMTP_URL: bed.smtp.url, SMTP_RATE_PER_SECOND: '10' }),
    );
    try {
      for (let i = 0; i < 12; i++) await queueConfirmation(`reader${i}@example.org`);
      const started = Date.now();
      expect(await paced.services.sender.drain()).toMatchObject({ sent: 12 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(((12 - 2) / 10) * 1000 - 100);
      expect(bed.smtp.messages).toHaveLength(12);
    } finally {
      await paced.close();
    }
  });
});
