import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes posts from anywhere: the RFC 8058 one-click unsubscribe, posted by mail providers. */
    crossSite?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser says the request comes from another site. Browsers send `Sec-Fetch-Site` with
 * every request, and clients that are not browsers (curl, a program using the API) send neither it
 * nor `Origin`; a page of another site can remove neither. `Sec-Fetch-Site` comes first: under
 * Paperboy's `Referrer-Policy: no-referrer` (helmet), Chromium sends `Origin: null` with its own
 * form posts. Without it (older browsers), `Origin` decides: PUBLIC_URL's, or the request's own
 * Host (a browser always sends the host it talks to); `null` is refused there.
 */
function isCrossSite(request: FastifyRequest, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  const origin = request.headers.origin;
  if (origin === undefined || origin === publicOrigin) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true; // `null`, or not an origin at all
  }
}

/**
 * Refuses (403) a state-changing request that a browser sent from another site, before its body is
 * read and before anything is stored or sent: a form on any site could otherwise subscribe an
 * address or change a reader's digest. Routes opt out with `config: { crossSite: true }`.
 */
export function refuseCrossSitePosts(app: FastifyInstance, publicUrl: string): void {
  const publicOrigin = new URL(publicUrl).origin;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config?.crossSite) return;
    if (!isCrossSite(request, publicOrigin)) return;
    return reply.status(403).send({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Origin: this form may only be sent from Paperboy’s own pages',
    });
  });
}
