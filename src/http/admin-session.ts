import { createHmac } from 'node:crypto';

/**
 * The operator console's session: a cookie holding its expiry, signed by @fastify/cookie under a
 * key derived from SECRET_KEY and ADMIN_TOKEN together, so changing either ends every session.
 * Nothing is stored on the server; a session cannot be revoked alone (sign-out clears the cookie
 * in that browser; rotating ADMIN_TOKEN ends them all).
 */
export const ADMIN_COOKIE = 'paperboy_admin';
export const ADMIN_SESSION_HOURS = 12;

export function sessionCookieKey(secretKey: string, adminToken: string): string {
  return createHmac('sha256', secretKey).update(`paperboy admin session v1\n${adminToken}`).digest('hex');
}

/** The cookie's value (before signing) for a session that ends `hours` from now. */
export function newSession(now = Date.now()): { value: string; expires: Date } {
  const expires = new Date(now + ADMIN_SESSION_HOURS * 3_600_000);
  return { value: `session.${Math.floor(expires.getTime() / 1000)}`, expires };
}

/** Whether an unsigned cookie value is a session that has not ended. */
export function sessionIsLive(value: string | null | undefined, now = Date.now()): boolean {
  const match = /^session\.(\d{1,12})$/.exec(value ?? '');
  return Boolean(match && Number(match[1]) * 1000 > now);
}
