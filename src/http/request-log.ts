import type { FastifyInstance } from 'fastify';
import { LINK_PATHS } from '../subscribers/links.ts';

/** `/confirm/<token>` and its kin: a token in a log would let anyone who reads it act for the subscriber. */
const TOKEN_IN_PATH = new RegExp(`(${Object.values(LINK_PATHS).join('|')})/[^/?#]+`, 'g');

/** `/api/admin/suppressions/<address>`: the logs hold no address, so an erased one is gone for good. */
const ADDRESS_IN_PATH = /\/[^/?#]*(@|%40)[^/?#]*/gi;

/**
 * A URL as it may be logged: link tokens and addresses replaced, the query string dropped (it
 * may carry anything).
 */
export function redactUrl(url: string): string {
  return (
    url.split('?')[0]?.replace(TOKEN_IN_PATH, '$1/[redacted]').replace(ADDRESS_IN_PATH, '/[address]') ?? ''
  );
}

/**
 * One log line per request, at the end, instead of Fastify's own two: those print the URL as
 * it came, token and all.
 */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}
