import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Compares a secret someone sent with the expected one in constant time: both are hashed first,
 * so neither the content nor the length of the expected secret shows in the time taken.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Wrong secrets a client may send per window, on each Bearer-guarded part and the console sign-in. */
const FAILED_SECRET_LIMIT = { max: 10, windowMs: 60_000 } as const;

// a bound on the clients remembered at once: a flood of addresses forgets the oldest, not the process's memory
const MAX_CLIENTS_REMEMBERED = 10_000;

/**
 * Wrong secrets per client (request.ip, which TRUST_PROXY makes the real client) in a fixed
 * window, in this process. Written by hand rather than with @fastify/rate-limit, which counts
 * every request: only failures count here, so an operator's scripts are never slowed.
 */
export class FailedAttempts {
  private readonly clients = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly limit: { max: number; windowMs: number } = FAILED_SECRET_LIMIT) {}

  /** Seconds until this client may try again, or 0 when it may now. */
  retryAfter(client: string, now = Date.now()): number {
    const entry = this.clients.get(client);
    if (!entry || entry.resetAt <= now || entry.count < this.limit.max) return 0;
    return Math.ceil((entry.resetAt - now) / 1000);
  }

  fail(client: string, now = Date.now()): void {
    const entry = this.clients.get(client);
    if (entry && entry.resetAt > now) {
      entry.count++;
      return;
    }
    this.clients.delete(client);
    if (this.clients.size >= MAX_CLIENTS_REMEMBERED) {
      const oldest = this.clients.keys().next().value;
      if (oldest !== undefined) this.clients.delete(oldest);
    }
    this.clients.set(client, { count: 1, resetAt: now + this.limit.windowMs });
  }
}

/** The 429 of a client that sent too many wrong secrets. */
export function tooManyFailures(reply: FastifyReply, retryAfter: number) {
  return reply
    .status(429)
    .header('retry-after', String(retryAfter))
    .send({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many wrong secrets from this client: try again in ${retryAfter} s`,
    });
}

/**
 * An onRequest hook that lets through only `Authorization: Bearer <secret>`; a client that sent
 * FAILED_SECRET_LIMIT wrong ones is answered 429 until its window ends, right or wrong.
 */
export function requireBearer(secret: string, variable: string, failures = new FailedAttempts()) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const retryAfter = failures.retryAfter(request.ip);
    if (retryAfter > 0) return tooManyFailures(reply, retryAfter);
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice('Bearer '.length), secret)) {
      failures.fail(request.ip);
      reply.header('www-authenticate', 'Bearer');
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: `Authorization: Bearer $${variable} required`,
      });
    }
  };
}
