import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
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
