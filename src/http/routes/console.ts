import { Readable } from 'node:stream';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  buildEdition,
  CHARTED_EVENTS,
  dashboard,
  editionsWithCounts,
  erase,
  exportSubscriber,
  INGEST_SOURCES,
  ingestAgain,
  previewEdition,
  sendEditionOf,
  sendTestOf,
  subscriberDetail,
  type TestSend,
  yesterdaysEdition,
} from '../../admin/operator.ts';
import { endAllSessions, endSession, sessionIsLive, startSession } from '../../admin/sessions.ts';
import { isoDay, parseDay } from '../../dates.ts';
import { DELIVERY_STATUSES } from '../../delivery/status.ts';
import type { Edition } from '../../digest/editions.ts';
import { ValidationError } from '../../errors.ts';
import { FREQUENCIES, type Frequency } from '../../frequency.ts';
import { recentIngestRuns } from '../../papers/ingest.ts';
import { describePreferences } from '../../subscribers/preferences.ts';
import {
  blockAddresses,
  LISTED_STATUSES,
  type ListedStatus,
  liftAddress,
  resendConfirmation,
  searchSubscribers,
} from '../../subscribers/records.ts';
import { ADMIN_COOKIE, sessionCookieKey, sessionCookieValue, sessionIdOf } from '../admin-session.ts';
import { FailedAttempts, sameSecret, tooManyFailures } from '../bearer.ts';
import { acceptCsvUpload, CSV_UPLOAD_LIMIT_BYTES, type CsvUpload } from '../csv-upload.ts';
import { sendMailHtml } from '../mail-html.ts';
import { sendPage } from '../page.ts';
import { HtmlPage, SubscriberId } from '../schemas.ts';

/** What a redirect after an action tells the operator: fixed messages, never text from the URL. */
const NOTICES = {
  'signed-out': 'Signed out.',
  'signed-out-everywhere': 'Every console session is ended, on every browser.',
  'confirmation-sent': 'A new confirmation is on its way.',
  'confirmation-not-sent':
    'No confirmation sent: the subscriber is not pending, or the address is suppressed.',
  suppressed: 'The address is suppressed: no more mail goes to it.',
  lifted: 'The suppression is lifted: the address gets mail again from the next edition on.',
  erased: 'The subscriber is erased.',
  built: 'The edition is built.',
  sent: "The edition is fanned out: the worker sends it at each reader's hour (or now, if you asked).",
  ingested: 'The day is ingested.',
  'test-sent': 'A test of this edition is on its way to the address you gave.',
} as const;
type Notice = keyof typeof NOTICES;

const NoticeQuery = Type.Object({
  notice: Type.Optional(Type.Union(Object.keys(NOTICES).map((key) => Type.Literal(key)))),
});
const noticeOf = (query: { notice?: string }) => (query.notice ? NOTICES[query.notice as Notice] : undefined);

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

  app.get(
    '/',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: dashboard', response: { 200: HtmlPage } },
    },
    async (_request, reply) => {
      const data = await dashboard(services);
      // d3 is loaded with the first dashboard, not with every `serve`
      const { dailyColumns, stackedBars } = await import('../../admin/charts.ts');
      const perDay = dailyColumns(
        data.perDay.map((d) => d.day),
        CHARTED_EVENTS.map((event) => ({ name: event, values: data.perDay.map((d) => d[event]) })),
      );
      const editions = stackedBars(
        data.editions
          .filter((edition) => edition.status === 'ready')
          .map((edition) => ({ label: `${edition.frequency} ${edition.day}`, counts: edition.counts })),
        DELIVERY_STATUSES,
      );
      return page(reply, 'dashboard', {
        title: 'Dashboard',
        data,
        perDay,
        editions,
        statuses: DELIVERY_STATUSES,
      });
    },
  );

  app.get(
    '/subscribers',
    {
      onRequest: requireSession,
      schema: {
        summary: 'The console: subscribers, by address fragment and status',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 320 })),
          status: Type.Optional(
            Type.Union([Type.Literal(''), ...LISTED_STATUSES.map((s) => Type.Literal(s))]),
          ),
          after: Type.Optional(Type.String({ maxLength: 200 })),
          ...NoticeQuery.properties,
        }),
        response: { 200: HtmlPage },
      },
    },
    async (request, reply) => {
      const { q, after } = request.query;
      const status = (request.query.status || undefined) as ListedStatus | undefined;
      const result = await searchSubscribers(pool, { query: q, status, after, limit: 50 });
      const nextUrl =
        result.next &&
        `/admin/subscribers?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), after: result.next })}`;
      return page(reply, 'subscribers', {
        title: 'Subscribers',
        q: q ?? '',
        status: status ?? '',
        statuses: LISTED_STATUSES,
        result,
        nextUrl,
        notice: noticeOf(request.query),
      });
    },
  );

  app.get(
    '/subscribers/import',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: import a list by CSV upload', response: { 200: HtmlPage } },
    },
    async (_request, reply) => page(reply, 'import', { title: 'Import subscribers' }),
  );

  // the one console route that reads multipart/form-data, in a scope of its own
  await app.register(async (scope) => {
    acceptCsvUpload(scope);
    scope.post(
      '/subscribers/import',
      {
        ...guarded,
        bodyLimit: CSV_UPLOAD_LIMIT_BYTES + 64 * 1024,
        schema: {
          summary:
            'The console: import a CSV of people who already opted in (as paperboy subscribers import)',
          consumes: ['multipart/form-data'],
          response: { 200: HtmlPage, 400: HtmlPage },
        },
      },
      async (request, reply) => {
        const { fields, csv } = request.body as CsvUpload;
        const again = (error: string) => page(reply, 'import', { title: 'Import subscribers', error }, 400);
        if (fields.confirmed !== 'yes')
          return again('Tick the box: only people who already opted in to this list may be imported.');
        if (csv.length === 0) return again('Choose a CSV file to import.');
        const { importCsv } = await import('../../subscribers/csv.ts');
        const report = await importCsv({
          pool,
          hasher: services.addressHasher,
          input: Readable.from([csv]),
          update: fields.update === 'yes',
        });
        return page(reply, 'import', { title: 'Import subscribers', report });
      },
    );
  });

  const IdParams = Type.Object({ id: SubscriberId });

  app.get(
    '/subscribers/:id',
    {
      onRequest: requireSession,
      schema: {
        summary: 'The console: one subscriber',
        params: IdParams,
        querystring: NoticeQuery,
        response: { 200: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const detail = await subscriberDetail(services, request.params.id);
      if (!detail) return page(reply, 'gone', { title: 'No such subscriber' }, 404);
      return page(reply, 'subscriber', {
        title: detail.subscriber.email,
        detail,
        preferences: describePreferences(detail.subscriber.preferences),
        notice: noticeOf(request.query),
      });
    },
  );

  app.get(
    '/subscribers/:id/export',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: download what is stored about a subscriber', params: IdParams },
    },
    async (request, reply) => {
      const record = await exportSubscriber(services, request.params.id);
      if (!record) return page(reply, 'gone', { title: 'No such subscriber' }, 404);
      return reply
        .header('content-disposition', `attachment; filename="paperboy-subscriber-${request.params.id}.json"`)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(record, null, 2));
    },
  );

  const subscriberPath = (id: string) => `/admin/subscribers/${id}`;
  const ActionBody = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) });

  app.post(
    '/subscribers/:id/confirmation',
    {
      ...guarded,
      schema: { summary: 'The console: resend a confirmation', params: IdParams, body: ActionBody },
    },
    async (request, reply) => {
      const outcome = await resendConfirmation(pool, request.params.id);
      return back(
        reply,
        subscriberPath(request.params.id),
        outcome === 'sent' ? 'confirmation-sent' : 'confirmation-not-sent',
      );
    },
  );

  app.post(
    '/subscribers/:id/suppression',
    {
      ...guarded,
      schema: {
        summary: 'The console: suppress a subscriber, or lift their suppression',
        params: IdParams,
        body: Type.Object({
          action: Type.Union([Type.Literal('suppress'), Type.Literal('lift')]),
          ...ActionBody.properties,
        }),
      },
    },
    async (request, reply) => {
      const subscriber = await services.subscribers.findById(request.params.id);
      if (!subscriber) return page(reply, 'gone', { title: 'No such subscriber' }, 404);
      if (request.body.action === 'lift') {
        await liftAddress(pool, services.addressHasher, subscriber.email);
        return back(reply, subscriberPath(subscriber.id), 'lifted');
      }
      await blockAddresses(pool, services.addressHasher, [subscriber.email], 'suppressed by the operator');
      return back(reply, subscriberPath(subscriber.id), 'suppressed');
    },
  );

  app.post(
    '/subscribers/:id/erase',
    {
      ...guarded,
      schema: {
        summary: 'The console: erase a subscriber (a data request)',
        params: IdParams,
        body: Type.Object({ confirm: Type.Literal('yes'), ...ActionBody.properties }),
      },
    },
    async (request, reply) => {
      if (!(await erase(services, request.params.id)))
        return page(reply, 'gone', { title: 'No such subscriber' }, 404);
      return back(reply, '/admin/subscribers', 'erased');
    },
  );

  app.get(
    '/editions',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: editions', querystring: NoticeQuery, response: { 200: HtmlPage } },
    },
    async (request, reply) =>
      page(reply, 'editions', {
        title: 'Editions',
        editions: await editionsWithCounts(services, 60),
        yesterday: await yesterdaysEdition(services),
        statuses: DELIVERY_STATUSES,
        frequencies: FREQUENCIES,
        today: isoDay(new Date()),
        notice: noticeOf(request.query),
      }),
  );

  const EditionForm = Type.Object({
    date: Type.String({ maxLength: 10 }),
    frequency: Type.Union(FREQUENCIES.map((f) => Type.Literal(f))),
    now: Type.Optional(Type.Literal('yes')),
    rebuild: Type.Optional(Type.Literal('yes')),
    ...ActionBody.properties,
  });

  app.post(
    '/editions/build',
    { ...guarded, schema: { summary: 'The console: build an edition', body: EditionForm } },
    async (request, reply) => {
      const { frequency, date, rebuild } = request.body;
      await buildEdition(services, frequency as Frequency, parseDay(date, 'date'), rebuild === 'yes');
      return back(reply, '/admin/editions', 'built');
    },
  );

  app.post(
    '/editions/send',
    { ...guarded, schema: { summary: 'The console: send an edition', body: EditionForm } },
    async (request, reply) => {
      const { frequency, date, now } = request.body;
      await sendEditionOf(services, frequency as Frequency, parseDay(date, 'date'), now === 'yes');
      return back(reply, '/admin/editions', 'sent');
    },
  );

  const PreviewParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
  const PreviewQuery = Type.Object({
    email: Type.Optional(Type.String({ maxLength: 320 })),
    ...NoticeQuery.properties,
  });

  app.get(
    '/editions/:id',
    {
      onRequest: requireSession,
      schema: {
        summary: 'The console: preview an edition as the default reader or a subscriber',
        params: PreviewParams,
        querystring: PreviewQuery,
        response: { 200: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const edition = await services.editions.findById(request.params.id);
      if (!edition) return page(reply, 'gone', { title: 'No such edition' }, 404);
      return editionPage(reply, edition, request.query.email?.trim() ?? '', {
        notice: noticeOf(request.query),
      });
    },
  );

  /** An edition's page: its preview as the default reader or the subscriber with `email`. */
  const editionPage = async (
    reply: FastifyReply,
    edition: Edition,
    email: string,
    extra: { notice?: string; testError?: string; testTo?: string },
    status = 200,
  ) => {
    const subscriber = email ? await services.subscribers.findByEmail(email) : undefined;
    const digest = email && !subscriber ? null : await previewEdition(services, edition, subscriber);
    return page(
      reply,
      'edition',
      {
        ...extra,
        title: `${edition.frequency} edition of ${edition.day}`,
        edition,
        email,
        problem:
          email && !subscriber
            ? `No subscriber has the address ${email}.`
            : !digest
              ? edition.status === 'empty'
                ? `This edition is empty: ${edition.emptyReason}`
                : 'Nothing would be sent to this reader: no paper matches their keywords and they asked for matching papers only.'
              : undefined,
        subject: digest?.subject,
        frame: digest
          ? `/admin/editions/${edition.id}/html${email ? `?email=${encodeURIComponent(email)}` : ''}`
          : undefined,
      },
      status,
    );
  };

  app.post(
    '/editions/:id/test',
    {
      ...guarded,
      schema: {
        summary:
          'The console: send a test of an edition to one address, as the default reader or a subscriber',
        params: PreviewParams,
        body: Type.Object({
          to: Type.String({ maxLength: 320 }),
          email: Type.Optional(Type.String({ maxLength: 320 })),
          ...ActionBody.properties,
        }),
        response: { 303: Type.Null(), 400: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const edition = await services.editions.findById(request.params.id);
      if (!edition) return page(reply, 'gone', { title: 'No such edition' }, 404);
      const email = request.body.email?.trim() ?? '';
      const subscriber = email ? await services.subscribers.findByEmail(email) : undefined;
      const refuse = (testError: string) =>
        editionPage(reply, edition, email, { testError, testTo: request.body.to }, 400);
      if (email && !subscriber) return refuse(`No subscriber has the address ${email}.`);
      let outcome: TestSend;
      try {
        outcome = await sendTestOf(services, edition, request.body.to, subscriber);
      } catch (error) {
        return refuse(
          error instanceof ValidationError
            ? `The address to send to: ${error.reason}.`
            : `The relay did not take the test: ${(error as Error).message}`,
        );
      }
      if (!outcome.sent) return refuse(`Nothing sent: ${outcome.why}.`);
      const query = new URLSearchParams({ ...(email ? { email } : {}), notice: 'test-sent' });
      return reply.redirect(`/admin/editions/${edition.id}?${query}`, 303);
    },
  );

  app.get(
    '/editions/:id/html',
    {
      onRequest: requireSession,
      schema: {
        summary: 'The console: an edition preview, sandboxed',
        params: PreviewParams,
        querystring: PreviewQuery,
      },
    },
    async (request, reply) => {
      const edition = await services.editions.findById(request.params.id);
      const email = request.query.email?.trim();
      const subscriber = email ? await services.subscribers.findByEmail(email) : undefined;
      const digest =
        edition && !(email && !subscriber) ? await previewEdition(services, edition, subscriber) : null;
      if (!digest) return reply.status(404).type('text/html; charset=utf-8').send('nothing to preview');
      return sendMailHtml(reply, digest.html);
    },
  );

  app.get(
    '/ingests',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: ingests', querystring: NoticeQuery, response: { 200: HtmlPage } },
    },
    async (request, reply) =>
      page(reply, 'ingests', {
        title: 'Ingests',
        runs: await recentIngestRuns(pool, 100),
        sources: INGEST_SOURCES,
        today: isoDay(new Date()),
        notice: noticeOf(request.query),
      }),
  );

  app.post(
    '/ingests',
    {
      ...guarded,
      schema: {
        summary: 'The console: ingest a day again',
        body: Type.Object({
          date: Type.String({ maxLength: 10 }),
          source: Type.Union(INGEST_SOURCES.map((s) => Type.Literal(s))),
          ...ActionBody.properties,
        }),
      },
    },
    async (request, reply) => {
      const date = parseDay(request.body.date, 'date');
      // a failed run is recorded with its error, which the ingests page shows
      await ingestAgain(services, date, request.body.source).catch((error) =>
        request.log.warn({ err: error }, `console ingest of ${date} failed`),
      );
      return back(reply, '/admin/ingests', 'ingested');
    },
  );
};
