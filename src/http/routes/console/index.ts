import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionIsLive } from '../../../admin/sessions.ts';
import { ADMIN_COOKIE, sessionCookieKey, sessionIdOf } from '../../admin-session.ts';
import { FailedAttempts } from '../../bearer.ts';
import { sendPage } from '../../page.ts';
import { registerDashboardRoutes } from './dashboard.ts';
import { registerEditionRoutes } from './editions.ts';
import { registerIngestRoutes } from './ingests.ts';
import type { ConsoleKit, Notice } from './kit.ts';
import { registerSessionRoutes } from './session.ts';
import { registerSubscriberRoutes } from './subscribers.ts';

/**
 * The operator console at /admin: server-rendered pages over the same functions as the admin API
 * (src/admin/operator.ts). Signing in with ADMIN_TOKEN sets a signed, HttpOnly, SameSite=Strict
 * session cookie; every form carries a CSRF token (@fastify/csrf-protection, double-submit with a
 * signed secret cookie). Without ADMIN_TOKEN nothing is registered: every /admin address is a 404.
 */
export const consoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.services;
  const adminToken = config.adminToken;
  if (!adminToken) {
    app.log.info('operator console and admin API closed: ADMIN_TOKEN is not set');
    return;
  }
  const services = app.services;
  const pool = services.db.pool;
  const secure = new URL(config.publicUrl).protocol === 'https:';
  const cookieOptions = { path: '/admin', httpOnly: true, sameSite: 'strict', secure, signed: true } as const;
  await app.register(cookie, { secret: sessionCookieKey(config.secretKey, adminToken) });
  await app.register(csrf, { cookieKey: 'paperboy_admin_csrf', cookieOpts: cookieOptions });

  /** The id of the session the request's cookie names, whether or not it is still live. */
  const sessionId = (request: FastifyRequest) => {
    const raw = request.cookies[ADMIN_COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid ? sessionIdOf(unsigned.value) : undefined;
  };
  const signedIn = async (request: FastifyRequest) => {
    const id = sessionId(request);
    return id !== undefined && (await sessionIsLive(pool, id));
  };
  /** Pages send a stranger to sign in; actions answer 401. */
  const requireSession = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await signedIn(request)) return;
    if (request.method === 'GET') {
      const next = encodeURIComponent(request.url);
      return reply.redirect(`/admin/sign-in?next=${next}`, 303);
    }
    return sendPage(reply, 401, 'message', {
      title: 'Sign in first',
      message: 'Your operator session has ended. Sign in again, then repeat what you were doing.',
      link: { href: '/admin/sign-in', text: 'Sign in' },
    });
  };
  const page = (reply: FastifyReply, name: string, data: object, status = 200) =>
    sendPage(reply, status, `admin/${name}`, { ...data, csrf: reply.generateCsrf(), wide: true });
  const back = (reply: FastifyReply, path: string, notice: Notice) =>
    reply.redirect(`${path}${path.includes('?') ? '&' : '?'}notice=${notice}`, 303);
  const guarded = { onRequest: requireSession, preHandler: app.csrfProtection };
  // wrong tokens per client, beside the rate limit of every try
  const signInFailures = new FailedAttempts();

  const kit: ConsoleKit = {
    services,
    pool,
    config,
    adminToken,
    cookieOptions,
    page,
    back,
    guarded,
    requireSession,
    sessionId,
    signInFailures,
  };
  await registerSessionRoutes(app, kit);
  await registerDashboardRoutes(app, kit);
  await registerSubscriberRoutes(app, kit);
  await registerEditionRoutes(app, kit);
  await registerIngestRoutes(app, kit);
};
