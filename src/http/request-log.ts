import type { FastifyInstance } from 'fastify';
import { redactAddresses } from '../redact.ts';
import { LINK_PATHS } from '../subscribers/links.ts';

/**
 * `/confirm/<token>` and its kin, whatever the case (a route may not match, but the log line would
 * still hold the token): a token in a log would let anyone who reads it act for the subscriber.
 */
const TOKEN_IN_PATH = new RegExp(`(${Object.values(LINK_PATHS).join('|')})/[^/?#]+`, 'gi');

/** A link token anywhere, such as pasted into another address: `<uuid>.<expiry>.<mac>`. */
const TOKEN_SHAPED = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[^/?#]*/gi;

/** A long opaque segment (a token's MAC alone, a secret): nothing Paperboy's own paths contain. */
const OPAQUE = /[A-Za-z0-9_-]{32,}/g;

/** The path as the router reads it (`%2F` is a `/` there), or as it came when it is not valid. */
function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path).split('?')[0] ?? '';
  } catch {
    return path;
  }
}

/**
 * A URL as it may be logged: decoded, then link tokens, anything shaped like one and addresses
 * replaced, the query string dropped (it may carry anything).
 */
function redactUrl(url: string): string {
  return redactAddresses(
    decodedPath(url)
      .replace(TOKEN_IN_PATH, '$1/[redacted]')
      .replace(TOKEN_SHAPED, '[redacted]')
      .replace(OPAQUE, '[redacted]'),
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
