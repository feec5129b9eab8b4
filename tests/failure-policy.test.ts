import { describe, expect, it } from 'vitest';
import {
  classifySendError,
  decide,
  type FailurePolicy,
  isThrottling,
} from '../src/delivery/failure-policy.ts';
import { messageIdFor, parseMessageId } from '../src/delivery/message-id.ts';
import { ADAPTIVE_RATE, adaptedRate } from '../src/delivery/pacer.ts';

const policy: FailurePolicy = { maxAttempts: 3, retryBackoff: { base: 30, cap: 6 * 3600 } };
const relay = (responseCode: number, command = 'DATA') =>
  classifySendError(
    Object.assign(new Error('refused'), { responseCode, command, response: `${responseCode} x` }),
    true,
  );
/** A digest that has reached the relay `attempts` times before this try. */
const digest = (attempts: number, localFailures = 0) => ({
  kind: 'digest' as const,
  attempts,
  localFailures,
});

describe('the failure policy', () => {
  it('fails a 5xx at once, and suppresses the address only when RCPT TO was refused', () => {
    expect(decide(digest(1), relay(550, 'RCPT TO'), policy)).toMatchObject({
      outcome: 'failed',
      suppress: expect.stringContaining('hard bounce'),
    });
    const refusedData = decide(digest(1), relay(554), policy);
    expect(refusedData).toMatchObject({ outcome: 'failed', response: '554 x' });
    expect(refusedData).not.toHaveProperty('suppress');
  });

  it('retries a 4xx with a backoff within [ceiling/2, ceiling], doubling per attempt up to the cap', () => {
    const delays = [0, 1, 2].map((attempts) =>
      decide(digest(attempts), relay(451), { ...policy, maxAttempts: 10 }, () => 1),
    );
    expect(delays.map((d) => (d.outcome === 'retry' ? d.delaySeconds : undefined))).toEqual([30, 60, 120]);
    const low = decide(digest(0), relay(451), policy, () => 0);
    expect(low).toMatchObject({ outcome: 'retry', delaySeconds: 15 });
    const capped = decide(
      digest(30),
      relay(451),
      { maxAttempts: 99, retryBackoff: { base: 30, cap: 100 } },
      () => 1,
    );
    expect(capped).toMatchObject({ delaySeconds: 100 });
  });

  it('counts a soft bounce when a digest runs out of attempts at the relay, not when it never reached it', () => {
    expect(decide(digest(3), relay(451), policy)).toMatchObject({ outcome: 'failed', countSoftBounce: true });
    const local = classifySendError(new Error('template broken'), false);
    expect(decide(digest(3), local, policy)).not.toHaveProperty('countSoftBounce');
    expect(decide({ ...digest(2), kind: 'confirmation' }, relay(451), policy)).not.toHaveProperty(
      'countSoftBounce',
    );
  });

  it('never treats a failure before SMTP as permanent', () => {
    const local = classifySendError(Object.assign(new Error('x'), { responseCode: 550 }), false);
    expect(decide(digest(1), local, policy)).toMatchObject({ outcome: 'retry' });
  });
});

describe('throttling', () => {
  it('tells a relay asking to slow down from greylisting and other refusals', () => {
    expect(isThrottling(454, '454 Throttling failure: Maximum sending rate exceeded.')).toBe(true);
    expect(isThrottling(421, '421 4.7.0 Too many messages, slow down')).toBe(true);
    expect(isThrottling(451, '451 4.7.1 Rate limit exceeded for this account')).toBe(true);
    expect(isThrottling(451, '451 4.7.1 Greylisted, please try again later')).toBe(false);
    expect(isThrottling(421, '421 4.3.2 service not available, closing channel')).toBe(false);
    expect(isThrottling(550, '550 rate limit')).toBe(false);
  });

  it('climbs back by a fixed step each second, up to the ceiling, and is lifted after clean minutes', () => {
    const row = { rate: 20, rateAt: 0, throttledAt: 0, now: 5000 };
    expect(adaptedRate(row, 0)).toBe(20 + 5 * ADAPTIVE_RATE.climbPerSecond);
    expect(adaptedRate(row, 22)).toBeNull();
    expect(adaptedRate({ ...row, now: (ADAPTIVE_RATE.liftAfterSeconds + 1) * 1000 }, 0)).toBeNull();
    expect(adaptedRate({ ...row, rate: null }, 30)).toBeNull();
  });
});

describe('Message-IDs', () => {
  it('are parsed back to their delivery, with or without brackets, and nothing else is', () => {
    const id = messageIdFor({ id: 42, kind: 'digest' }, 'paperboy.example.org');
    expect(id).toBe('<delivery-42.digest@paperboy.example.org>');
    expect(parseMessageId(id)).toEqual({ deliveryId: 42, messageId: id });
    expect(parseMessageId(` ${id.slice(1, -1)} `)).toEqual({ deliveryId: 42, messageId: id });
    for (const other of ['<abc@example.org>', '<delivery-x.digest@h>', '<delivery-1.digest@h> extra', ''])
      expect(parseMessageId(other)).toBeUndefined();
  });
});
