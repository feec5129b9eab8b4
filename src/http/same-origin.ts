import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes posts from anywhere: the RFC 8058 one-click unsubscribe, posted by mail providers. */
    crossSite?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser says the request comes from another site. Browsers send `Origin` with every
 * form post (`null` from opaque contexts such as a sandboxed frame) and `Sec-Fetch-Site` with
 * every request; clients that are not browsers (curl, a program using the API) send neither, and
 * a page of another site cannot remove them. The request's own Host counts as same-origin beside
 * PUBLIC_URL: a browser always sends the host it is talking to.
 */
export function isCrossSite(request: FastifyRequest, publicOrigin: string): boolean {
  const origin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  // Under `Referrer-Policy: no-referrer` (helmet's default) browsers send `Origin: null` even for a
  // form on our own page; Sec-Fetch-Site still tells where the post came from.
  if (origin === 'null' && fetchSite !== undefined)
    return fetchSite !== 'same-origin' && fetchSite !== 'none';
  if (origin !== undefined) {
    if (origin === publicOrigin) return false;
    try {
      return new URL(origin).host !== request.headers.host;
    } catch {
      return true; // `null`, or not an origin at all
    }
  }
  return fetchSite === 'cross-site';
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
