import { createHmac } from 'node:crypto';

/**
 * The operator console's session cookie: the id of a session row (src/admin/sessions.ts), signed
 * by @fastify/cookie under a key derived from SECRET_KEY and ADMIN_TOKEN together, so changing
 * either ends every session too.
 */
export const ADMIN_COOKIE = 'paperboy_admin';

export function sessionCookieKey(secretKey: string, adminToken: string): string {
  return createHmac('sha256', secretKey).update(`paperboy admin session v1\n${adminToken}`).digest('hex');
}

/** The session id in an (unsigned) cookie value, or undefined. */
export function sessionIdOf(value: string | null | undefined): string | undefined {
  return /^session\.([0-9a-f-]{36})$/.exec(value ?? '')?.[1];
}

export const sessionCookieValue = (id: string) => `session.${id}`;
