import { ValidationError } from '../errors.ts';

/**
 * The rule for subscriber addresses (docs/subscribers.md, "Email addresses"):
 *
 * - surrounding whitespace is trimmed; the domain is lower-cased, the local part kept as typed
 *   (addresses are still unique regardless of case);
 * - a bare addr-spec only, `local@domain`: no display name (`Ann <ann@example.org>`), no
 *   comments, no quoted local parts;
 * - at most 254 characters in all and 64 in the local part (RFC 5321);
 * - the local part is dot-atom text: letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~,
 *   with single dots between them; non-ASCII letters are accepted (RFC 6531);
 * - the domain has at least two labels, each 1–63 letters, digits or hyphens, not starting or
 *   ending with a hyphen (internationalised names in Unicode or punycode); no IP literals
 *   (`a@[1.2.3.4]`, `a@1.2.3.4`), no reserved top-level domain that never resolves (`.invalid`,
 *   `.localhost`);
 * - CR, LF and every other control character are rejected outright, whatever their position,
 *   so an address can never inject a mail header.
 */
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+(\.[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+)*$/u;
/**
 * Top-level domains reserved so that they never resolve (RFC 2606, RFC 6761). `example.*` stays
 * accepted: tests and demonstrations use it, and production's MAIL_FROM check refuses it there.
 */
const NEVER_DELIVERED_TLDS = new Set(['invalid', 'localhost']);
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function normalizeEmailAddress(input: unknown): string {
  const fail = (why: string): never => {
    throw new ValidationError('email', why);
  };
  if (typeof input !== 'string') return fail('is required');
  if (CONTROL.test(input)) return fail('must not contain line breaks or control characters');
  const trimmed = input.trim();
  if (trimmed === '') return fail('is required');
  if (/[<>()\s"]/.test(trimmed))
    return fail('must be a bare address like name@example.org, without a display name');
  const at = trimmed.lastIndexOf('@');
  if (at === -1) return fail('must contain @ and a domain');
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).toLowerCase();
  if (local === '') return fail('must have a name before the @');
  if (domain === '') return fail('must have a domain after the @');
  if (local.length > 64) return fail('must have at most 64 characters before the @');
  if (!LOCAL_PART.test(local)) return fail('has characters that are not allowed before the @');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return fail('must have a domain like example.org');
  }
  const tld = labels[labels.length - 1] as string;
  // no top-level domain is all digits: a@1.2.3.4 is an IP address, which no digest should go to
  if (/^\p{N}+$/u.test(tld)) return fail('must have a domain name, not an IP address');
  if (NEVER_DELIVERED_TLDS.has(tld)) return fail(`must have a real domain: .${tld} never receives mail`);
  const address = `${local}@${domain}`;
  if (address.length > 254) return fail('must have at most 254 characters');
  return address;
}
