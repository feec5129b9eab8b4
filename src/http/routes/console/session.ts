import { Type } from 'typebox';
import { endAllSessions, endSession, startSession } from '../../../admin/sessions.ts';
import { ADMIN_COOKIE, sessionCookieValue } from '../../admin-session.ts';
import { sameSecret, tooManyFailures } from '../../bearer.ts';
import { HtmlPage } from '../../schemas.ts';

import { type ConsoleApp, type ConsoleKit, NoticeQuery, noticeOf } from './kit.ts';

/** Signing in and out: sessions are rows (src/admin/sessions.ts), ended on the server. */
export async function registerSessionRoutes(app: ConsoleApp, kit: ConsoleKit): Promise<void> {
  const { pool, adminToken, cookieOptions, page, guarded, sessionId, signInFailures } = kit;
  app.get(
    '/sign-in',
    {
      schema: {
        summary: 'The console: sign in with ADMIN_TOKEN',
        querystring: Type.Object({
          next: Type.Optional(Type.String({ maxLength: 500 })),
          ...NoticeQuery.properties,
        }),
        response: { 200: HtmlPage },
      },
    },
    async (request, reply) =>
      page(reply, 'sign-in', {
        title: 'Sign in',
        next: request.query.next ?? '/admin',
        notice: noticeOf(request.query),
      }),
  );

  app.post(
    '/sign-in',
    {
      preHandler: app.csrfProtection,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        summary: 'The console: sign in (form: token, next, _csrf)',
        body: Type.Object({
          token: Type.String({ maxLength: 500 }),
          next: Type.Optional(Type.String({ maxLength: 500 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 303: Type.Null(), 401: HtmlPage },
      },
    },
    async (request, reply) => {
      const next = request.body.next ?? '/admin';
      const retryAfter = signInFailures.retryAfter(request.ip);
      if (retryAfter > 0) return tooManyFailures(reply, retryAfter);
      if (!sameSecret(request.body.token, adminToken)) {
        signInFailures.fail(request.ip);
        request.log.warn('console sign-in refused: wrong token');
        return page(reply, 'sign-in', { title: 'Sign in', next, error: 'That is not the ADMIN_TOKEN.' }, 401);
      }
      const session = await startSession(pool);
      reply.setCookie(ADMIN_COOKIE, sessionCookieValue(session.id), {
        ...cookieOptions,
        expires: session.expires,
      });
      // only a console address: a sign-in link must not send the operator anywhere else
      return reply.redirect(/^\/admin(\/[\w/?=&%.-]*)?$/.test(next) ? next : '/admin', 303);
    },
  );

  app.post(
    '/sign-out',
    { ...guarded, schema: { summary: 'The console: sign out', response: { 303: Type.Null() } } },
    async (request, reply) => {
      // ended on the server: a copy of the cookie taken before opens nothing
      const id = sessionId(request);
      if (id) await endSession(pool, id);
      reply.clearCookie(ADMIN_COOKIE, { path: '/admin' });
      return reply.redirect('/admin/sign-in?notice=signed-out', 303);
    },
  );

  app.post(
    '/sign-out-everywhere',
    {
      ...guarded,
      schema: { summary: 'The console: end every session, on every browser', response: { 303: Type.Null() } },
    },
    async (_request, reply) => {
      await endAllSessions(pool);
      reply.clearCookie(ADMIN_COOKIE, { path: '/admin' });
      return reply.redirect('/admin/sign-in?notice=signed-out-everywhere', 303);
    },
  );
}
