import { expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

// The operator sees in a subscriber's history when their digest's settings changed, old and new.

const ADMIN_TOKEN = 'history-test-admin-token-0123456789';
const bed = useTestBed({ env: { ADMIN_TOKEN } });

it('records a change of preferences in the history, old value and new, and nothing when none changed', async () => {
  await bed.app.services.subscribers.subscribe({ email: 'bob@example.org' });
  const { rows } = await bed.pool.query<{ id: string; link_nonce: string; confirm_nonce: string }>(
    `UPDATE subscribers SET status = 'active' WHERE email = 'bob@example.org' RETURNING id, link_nonce, confirm_nonce`,
  );
  const bob = rows[0] as { id: string; link_nonce: string; confirm_nonce: string };
  const token = bed.app.services.tokens.create('preferences', {
    id: bob.id,
    linkNonce: bob.link_nonce,
    confirmNonce: bob.confirm_nonce,
  });
  const save = (payload: string) =>
    bed.app.inject({
      method: 'POST',
      url: `/preferences/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
  const weekly =
    'frequency=weekly&weekday=2&deliveryHour=18&timezone=Asia%2FTokyo&keywords=vision%2C+agents&keywordMode=boost&maxPapers=10';
  expect((await save(weekly)).statusCode).toBe(200);
  expect((await save(weekly)).statusCode).toBe(200);

  const detail = await bed.app.inject({
    url: `/api/admin/subscribers/${bob.id}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const changes = (detail.json().history as { event: string; detail: string | null }[]).filter(
    (e) => e.event === 'preferences_changed',
  );
  expect(changes).toHaveLength(1);
  expect(changes[0]?.detail).toBe(
    'frequency: daily → weekly; weekday: 1 → 2; hour: 7 → 18; time zone: UTC → Asia/Tokyo; keywords: none → vision, agents',
  );
});
