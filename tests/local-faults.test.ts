import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { messageIdFor } from '../src/delivery/message-id.ts';
import { outboxDir, outboxPartialName } from '../src/delivery/transport.ts';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Faults of Paperboy's own: mail that cannot be written where it is kept (no SMTP_URL: the outbox).

const bed = useTestBed({ fixtures: true, env: { SENDER_POLL_MS: '100' }, truncate: ['subscribers'] });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a full disk is Paperboy’s fault: nothing counted against a subscriber, no partial file, /readyz says why, sending resumes by itself', {
  timeout: 60_000,
}, async () => {
  await readersWithDueEdition(bed.app, 3);
  const dir = outboxDir(bed.app.services.config);
  mkdirSync(dir, { recursive: true });
  // each mail's partial file is a link to /dev/full, where every write fails with ENOSPC as on a
  // full disk; the failed write removes its partial file, so the disk "has room" for the next try
  const { rows } = await bed.pool.query<{ id: number }>(`SELECT id FROM deliveries ORDER BY id`);
  for (const { id } of rows) {
    const messageId = messageIdFor(
      { id, kind: 'digest' },
      new URL(bed.app.services.config.publicUrl).hostname,
    );
    symlinkSync('/dev/full', path.join(dir, outboxPartialName(messageId)));
  }
  const faults: string[] = [];
  bed.app.services.sender.events.on('localFault', (fault) => faults.push(fault.code));
  bed.app.services.sender.start();
  try {
    await waitFor('a local fault', () => faults.length > 0);
    const ready = await bed.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'sending paused', sending: { state: 'paused' } });
    expect(ready.json().reason).toContain('ENOSPC');

    await waitFor('every digest sent', async () => {
      const sent = await bed.pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`);
      return sent.rows[0].n === 3;
    });
    expect(faults).toContain('ENOSPC');
    const { rows: counted } = await bed.pool.query(
      `SELECT d.attempts, d.local_failures, s.soft_bounces, s.suppressed_at FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id`,
    );
    // one attempt each: the one that was written; the full disk counted nowhere
    expect(counted).toEqual(
      Array(3).fill({ attempts: 1, local_failures: 0, soft_bounces: 0, suppressed_at: null }),
    );
    const files = readdirSync(dir);
    expect(files.filter((name) => name.endsWith('.part'))).toEqual([]);
    const mails = files.filter((name) => name.endsWith('.eml'));
    expect(mails).toHaveLength(3);
    for (const name of mails) expect(statSync(path.join(dir, name)).size).toBeGreaterThan(0);
    expect(existsSync('/dev/full')).toBe(true);
    expect((await bed.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  } finally {
    await bed.app.services.sender.stop();
  }
});
