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

/** An onRequest hook that lets through only `Authorization: Bearer <secret>`. */
export function requireBearer(secret: string, variable: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice('Bearer '.length), secret)) {
      reply.header('www-authenticate', 'Bearer');
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: `Authorization: Bearer $${variable} required`,
      });
    }
  };
}
