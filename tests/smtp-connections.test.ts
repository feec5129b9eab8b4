import { expect, it } from 'vitest';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// SMTP_MAX_MESSAGES, checked on the wire: a connection carries that many messages, then a new one
// is opened (relays differ in how many they take on one connection).

const bed = useTestBed({
  smtp: true,
  fixtures: true,
  env: { SMTP_MAX_MESSAGES: '2', SMTP_MAX_CONNECTIONS: '1' },
});

it('opens a new SMTP connection after SMTP_MAX_MESSAGES messages', async () => {
  await readersWithDueEdition(bed.app, 6);
  const counts = await bed.app.services.sender.drain();
  expect(counts.sent).toBe(6);
  expect(bed.smtp.messages).toHaveLength(6);
  expect(bed.smtp.connections).toBe(3);
});
