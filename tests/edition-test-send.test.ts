import { expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

// "Send me a test": an edition to the operator's own address, through the real relay, as a reader
// would get it, and outside the ledger: nobody's delivery, attempt or bounce.

const ADMIN_TOKEN = 'test-send-admin-token-0123456789';
const bed = useTestBed({ smtp: true, fixtures: true, env: { ADMIN_TOKEN } });
const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
  bed.app.inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

it('sends a test of an edition through the relay, marked as one, and writes no delivery', async () => {
  const built = await admin('POST', '/api/admin/editions', { date: '2026-03-11' });
  const id = built.json().edition.id as number;
  const before = await bed.pool.query('SELECT count(*)::int AS n FROM deliveries');

  const sent = await admin('POST', `/api/admin/editions/${id}/test`, { to: 'Operator@Example.org' });
  expect(sent.statusCode).toBe(200);
  expect(sent.json().to).toBe('Operator@example.org');
  const mail = bed.smtp.messages.at(-1);
  expect(mail?.subject).toMatch(/^\[test\] /);
  expect(mail?.to && 'text' in mail.to ? mail.to.text : '').toBe('Operator@example.org');
  expect(mail?.html).toContain('arxiv.org');

  const after = await bed.pool.query('SELECT count(*)::int AS n FROM deliveries');
  expect(after.rows[0].n).toBe(before.rows[0].n);
});

it('names the field of a bad address, and answers 404 for an unknown edition or reader', async () => {
  const built = await admin('POST', '/api/admin/editions', { date: '2026-03-11' });
  const id = built.json().edition.id as number;
  const bad = await admin('POST', `/api/admin/editions/${id}/test`, { to: 'not an address' });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().field).toBe('to');
  expect((await admin('POST', '/api/admin/editions/999999/test', { to: 'a@example.org' })).statusCode).toBe(
    404,
  );
  const stranger = await admin('POST', `/api/admin/editions/${id}/test`, {
    to: 'a@example.org',
    email: 'nobody@example.org',
  });
  expect(stranger.statusCode).toBe(404);
  expect(bed.smtp.messages).toHaveLength(0);
});
