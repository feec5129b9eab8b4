import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { erase, exportSubscriber, subscriberDetail } from '../../../admin/operator.ts';
import { describePreferences } from '../../../subscribers/preferences.ts';
import {
  blockAddresses,
  LISTED_STATUSES,
  type ListedStatus,
  liftAddress,
  resendConfirmation,
  searchSubscribers,
} from '../../../subscribers/records.ts';
import { acceptMultipart, type MultipartBody, type MultipartRules } from '../../multipart.ts';
import { HtmlPage, SubscriberId } from '../../schemas.ts';

import { ActionBody, type ConsoleApp, type ConsoleKit, NoticeQuery, noticeOf } from './kit.ts';

/** The largest CSV the console takes by upload (a list of about 100,000 addresses with preferences). */
const CSV_UPLOAD_LIMIT_BYTES = 16 * 1024 * 1024;

/** One CSV file (`file`) and a few short fields (`_csrf`, check boxes). */
const CSV_UPLOAD: MultipartRules = {
  field: 'file',
  what: 'an import',
  limits: {
    parts: 8,
    fields: 6,
    fieldNameSize: 100,
    fieldSize: 500,
    files: 1,
    fileField: 'file',
    fileSize: CSV_UPLOAD_LIMIT_BYTES,
  },
};

/** Subscribers: search, import by upload, one subscriber, their data and actions. */
export async function registerSubscriberRoutes(app: ConsoleApp, kit: ConsoleKit): Promise<void> {
  const { services, pool, page, back, guarded, requireSession } = kit;
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
    acceptMultipart(scope, CSV_UPLOAD, (parsed) => parsed);
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
        const { fields, file: csv } = request.body as MultipartBody;
        const again = (error: string) => page(reply, 'import', { title: 'Import subscribers', error }, 400);
        if (fields.confirmed !== 'yes')
          return again('Tick the box: only people who already opted in to this list may be imported.');
        if (csv.length === 0) return again('Choose a CSV file to import.');
        const { importCsv } = await import('../../../subscribers/csv.ts');
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
}
