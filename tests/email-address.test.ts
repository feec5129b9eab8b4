import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.ts';
import { normalizeEmailAddress } from '../src/subscribers/email-address.ts';
import { normalizeTimezone, TIME_ZONES } from '../src/subscribers/time-zones.ts';

describe('email addresses', () => {
  it.each([
    ['  ann@example.org  ', 'ann@example.org'],
    ['Ann.Lee@EXAMPLE.Org', 'Ann.Lee@example.org'],
    ['first+tag@sub.example.co.uk', 'first+tag@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['josé@exämple.de', 'josé@exämple.de'],
    ['x@xn--bcher-kva.example', 'x@xn--bcher-kva.example'],
    ['tests@example.com', 'tests@example.com'],
    ['a@1.2.3.example', 'a@1.2.3.example'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeEmailAddress(input)).toBe(expected);
  });

  it.each([
    ['', 'is required'],
    ['ann', 'must contain @'],
    ['ann@', 'must have a domain'],
    ['@example.org', 'must have a name'],
    ['ann@localhost', 'must have a domain like'],
    ['a@1.2.3.4', 'not an IP address'],
    ['a@[1.2.3.4]', 'must have a domain like'],
    ['a@box.invalid', '.invalid never receives mail'],
    ['a@my.localhost', '.localhost never receives mail'],
    ['ann@-example.org', 'must have a domain like'],
    ['ann@example..org', 'must have a domain like'],
    ['ann..lee@example.org', 'not allowed'],
    ['.ann@example.org', 'not allowed'],
    ['Ann <ann@example.org>', 'without a display name'],
    ['"ann"@example.org', 'without a display name'],
    ['ann@example.org\nBcc: x@example.org', 'line breaks'],
    ['ann\r@example.org', 'line breaks'],
    ['ann\u0000@example.org', 'control characters'],
    ['ann@[127.0.0.1]', 'domain like'],
    [`${'a'.repeat(65)}@example.org`, 'at most 64'],
    [
      `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(10)}.org`,
      'at most 254',
    ],
  ])('refuses %j (%s)', (input, why) => {
    expect(() => normalizeEmailAddress(input)).toThrow(ValidationError);
    expect(() => normalizeEmailAddress(input)).toThrow(why);
  });
});

describe('time zones', () => {
  it('offers the current IANA names, and still accepts the old ones', () => {
    expect(TIME_ZONES[0]).toBe('UTC');
    expect(TIME_ZONES).toContain('Asia/Kolkata');
    expect(TIME_ZONES).toContain('Europe/Kyiv');
    expect(TIME_ZONES).not.toContain('Asia/Calcutta');
    for (const zone of ['Asia/Kolkata', 'Asia/Calcutta', 'Europe/Kyiv', 'Europe/Kiev'])
      expect(normalizeTimezone(zone)).toBe(zone);
  });
});
