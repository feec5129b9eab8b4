import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parse as parseCsv } from 'csv-parse/sync';
import { Type } from 'typebox';
import {
  buildEdition,
  dashboard,
  editionsWithCounts,
  erase,
  exportSubscriber,
  INGEST_SOURCES,
  ingestAgain,
  previewEdition,
  sendEditionOf,
  subscriberDetail,
} from '../../admin/operator.ts';
import { parseDay } from '../../dates.ts';
import { countDeliveries } from '../../delivery/stats.ts';
import { ValidationError } from '../../errors.ts';
import { FREQUENCIES } from '../../frequency.ts';
import { recentIngestRuns } from '../../papers/ingest.ts';
import { unescapeCsvCell } from '../../subscribers/csv.ts';
import { normalizeEmailAddress } from '../../subscribers/email-address.ts';
import {
  LISTED_STATUSES,
  liftAddress,
  resendConfirmation,
  searchSubscribers,
  suppressAddresses,
} from '../../subscribers/records.ts';
import { listSuppressions } from '../../subscribers/suppressions.ts';
import { requireBearer } from '../bearer.ts';
import { ErrorResponse, HtmlPage } from '../schemas.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'deliveries by status' });
export const SubscriberId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: "the subscriber's id (a uuid)",
});
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const FrequencySchema = Type.Union(FREQUENCIES.map((f) => Type.Literal(f)));

const DeliveryCounts = Type.Array(
  Type.Object({ kind: Type.String(), status: Type.String(), count: Type.Integer() }),
  { description: 'deliveries by kind and status' },
);

const EditionSummary = Type.Object({
  id: Type.Integer(),
  frequency: Type.String(),
  day: Type.String(),
  status: Type.String(),
  emptyReason: Nullable(Type.String()),
  counts: Counts,
});

const IngestRunSchema = Type.Object({
  id: Type.Integer(),
  day: Type.String(),
  source: Type.String(),
  counts: Type.Union([
    Type.Object({
      new: Type.Integer(),
      updated: Type.Integer(),
      unchanged: Type.Integer(),
      skipped: Type.Integer(),
    }),
    Type.Null(),
  ]),
  error: Nullable(Type.String()),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
});

const Stats = Type.Object({
  subscribers: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer() })),
  perDay: Type.Array(
    Type.Object({
      day: Type.String(),
      subscribed: Type.Integer(),
      confirmed: Type.Integer(),
      unsubscribed: Type.Integer(),
      suppressed: Type.Integer(),
    }),
    { description: 'subscriber events per UTC day over the last 90 days, oldest first' },
  ),
  editions: Type.Array(EditionSummary),
  sending: Type.Object({
    lastMinute: Type.Integer({ description: 'mail sent in the last minute, by every process' }),
    lastHour: Type.Integer(),
    dueNow: Type.Integer({ description: 'deliveries due and waiting for a sender' }),
    oldestDueSeconds: Type.Number({ description: 'how long the oldest due delivery has waited' }),
  }),
  ingests: Type.Array(IngestRunSchema),
});

const SubscriberSummary = Type.Object({
  id: Type.String(),
  email: Type.String(),
  status: Type.String(),
  pausedUntil: Nullable(Timestamp),
  frequency: Type.String(),
  createdAt: Timestamp,
});

const SearchPage = Type.Object({
  subscribers: Type.Array(SubscriberSummary),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
});

const SubscriberDetailSchema = Type.Object({
  subscriber: Type.Object({
    id: Type.String(),
    email: Type.String(),
    status: Type.String(),
    preferences: Type.Object({}, { additionalProperties: true }),
    confirmedAt: Nullable(Timestamp),
    unsubscribedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    suppressedAt: Nullable(Timestamp),
    softBounces: Type.Integer(),
    pausedUntil: Nullable(Timestamp),
  }),
  suppressionReason: Nullable(Type.String()),
  history: Type.Array(Type.Object({ event: Type.String(), detail: Nullable(Type.String()), at: Timestamp })),
  deliveries: Type.Array(
    Type.Object({
      id: Type.Integer(),
      kind: Type.String(),
      edition: Type.Union([Type.Object({ frequency: Type.String(), day: Type.String() }), Type.Null()]),
      status: Type.String(),
      attempts: Type.Integer(),
      dueAt: Timestamp,
      sentAt: Nullable(Timestamp),
      messageId: Nullable(Type.String()),
      smtpResponse: Nullable(Type.String()),
      lastError: Nullable(Type.String()),
      createdAt: Timestamp,
    }),
  ),
});

const Suppressions = Type.Array(
  Type.Object({
    email: Type.String(),
    suppressedAt: Timestamp,
    reason: Nullable(Type.String()),
    softBounces: Type.Integer(),
  }),
  {
    description:
      'suppressed subscribers, most recent first (erased or blocked addresses are kept as hashes only)',
  },
);

const EditionAction = Type.Object({
  created: Type.Boolean({ description: 'false when the edition was already built' }),
  edition: Type.Object({
    id: Type.Union([Type.Integer(), Type.Null()]),
    frequency: Type.String(),
    day: Type.String(),
    status: Type.String(),
    emptyReason: Nullable(Type.String()),
    paperCount: Type.Integer(),
  }),
  fannedOut: Type.Optional(Type.Integer({ description: 'deliveries added by this call' })),
});

const EditionRequest = Type.Object({
  frequency: Type.Optional(FrequencySchema),
  date: Day,
  now: Type.Optional(Type.Boolean({ description: "send: ignore readers' hours, everything is due now" })),
});

/** A value as its JSON answer will carry it: dates become ISO strings (the schemas say date-time). */
type Jsonified<T> = T extends Date
  ? string
  : T extends Array<infer U>
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;
const jsonified = <T>(value: T): Jsonified<T> => JSON.parse(JSON.stringify(value));

const notFound = (message: string) => ({ statusCode: 404, error: 'Not Found', message });

/** The CSV of an address import: one address per row, in a column named `email` or the first. */
export function addressesFromCsv(text: string): string[] {
  const records = parseCsv(text, {
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as string[][];
  const header = records[0]?.map((cell) => cell.toLowerCase()) ?? [];
  const column = Math.max(header.indexOf('email'), 0);
  const rows = header.includes('email') ? records.slice(1) : records;
  return rows.map((row) => unescapeCsvCell(row[column] ?? '')).filter((cell) => cell !== '');
}

/**
 * Operator routes under /api/admin: `Authorization: Bearer $ADMIN_TOKEN` (compared in constant
 * time); without ADMIN_TOKEN, no routes at all. The console at /admin calls the same functions
 * (src/admin/operator.ts).
 */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.services.config.adminToken;
  if (!token) return;
  app.addHook('onRequest', requireBearer(token, 'ADMIN_TOKEN'));
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );
  const services = app.services;
  const pool = services.db.pool;
  const security = [{ bearer: [] }];
  const denied = { 401: ErrorResponse };

  app.get(
    '/stats',
    {
      schema: {
        summary: 'The dashboard: subscribers, events per day, editions, sending now, last ingests',
        security,
        response: { 200: Stats, ...denied },
      },
    },
    async () => jsonified(await dashboard(services)),
  );

  app.get(
    '/deliveries',
    {
      schema: {
        summary: 'How many deliveries are in each state',
        security,
        response: { 200: DeliveryCounts, ...denied },
      },
    },
    async () => countDeliveries(pool),
  );

  app.get(
    '/subscribers',
    {
      schema: {
        summary: 'Find subscribers by a fragment of their address and by status, newest first',
        security,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 320, description: 'part of the address' })),
          status: Type.Optional(Type.Union(LISTED_STATUSES.map((s) => Type.Literal(s)))),
          after: Type.Optional(
            Type.String({ maxLength: 200, description: 'the `next` of the previous page' }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: { 200: SearchPage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { q, ...rest } = request.query;
      return jsonified(await searchSubscribers(pool, { query: q, ...rest }));
    },
  );

  app.get(
    '/subscribers/:id',
    {
      schema: {
        summary: 'One subscriber: preferences, status history and deliveries',
        security,
        params: Type.Object({ id: SubscriberId }),
        response: { 200: SubscriberDetailSchema, 400: ErrorResponse, 404: ErrorResponse, ...denied },
      },
    },
    async (request, reply) => {
      const detail = await subscriberDetail(services, request.params.id);
      return detail ? jsonified(detail) : reply.status(404).send(notFound('no such subscriber'));
    },
  );

  app.get(
    '/subscribers/:id/export',
    {
      schema: {
        summary: 'Everything stored about one subscriber, as JSON (a data request)',
        security,
        params: Type.Object({ id: SubscriberId }),
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'the stored record' }),
          400: ErrorResponse,
          404: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      const record = await exportSubscriber(services, request.params.id);
      if (!record) return reply.status(404).send(notFound('no such subscriber'));
      return reply
        .header('content-disposition', `attachment; filename="paperboy-subscriber-${request.params.id}.json"`)
        .send(jsonified(record));
    },
  );

  app.delete(
    '/subscribers/:id',
    {
      schema: {
        summary:
          'Erase a subscriber at once: every personal field and their deliveries; a bounced or complaining address stays blocked as a keyed hash',
        security,
        params: Type.Object({ id: SubscriberId }),
        response: {
          204: Type.Null({ description: 'erased' }),
          400: ErrorResponse,
          404: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      if (!(await erase(services, request.params.id)))
        return reply.status(404).send(notFound('no such subscriber'));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/subscribers/:id/confirmation',
    {
      schema: {
        summary: 'Send a pending subscriber their confirmation again, now',
        security,
        params: Type.Object({ id: SubscriberId }),
        response: {
          202: Type.Object({ status: Type.Literal('queued') }),
          400: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      const outcome = await resendConfirmation(pool, request.params.id);
      if (outcome === 'sent') return reply.status(202).send({ status: 'queued' });
      if (outcome === 'not-found') return reply.status(404).send(notFound('no such subscriber'));
      return reply.status(409).send({
        statusCode: 409,
        error: 'Conflict',
        message:
          outcome === 'suppressed'
            ? 'the address is suppressed: no mail goes to it'
            : 'the subscriber has no confirmation waiting',
      });
    },
  );

  app.get(
    '/suppressions',
    {
      schema: {
        summary:
          'Addresses no mail goes to, and why (hard bounces, complaints, soft bounces in a row, the operator)',
        security,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: { 200: Suppressions, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => jsonified(await listSuppressions(pool, request.query.limit)),
  );

  const Suppressed = Type.Object({ suppressed: Type.Integer({ description: 'addresses newly blocked' }) });

  app.post(
    '/suppressions',
    {
      schema: {
        summary: 'Block addresses: a subscriber is suppressed, an unknown address is kept as a keyed hash',
        security,
        body: Type.Object({
          emails: Type.Array(Type.String({ maxLength: 320 }), { minItems: 1, maxItems: 1000 }),
          reason: Type.String({ minLength: 1, maxLength: 200, default: 'blocked by the operator' }),
        }),
        response: { 200: Suppressed, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => ({
      suppressed: await suppressAddresses(
        pool,
        services.addressHasher,
        request.body.emails,
        request.body.reason,
      ),
    }),
  );

  app.post(
    '/suppressions/import',
    {
      schema: {
        summary: 'Block every address of a CSV (text/csv; a column named email, or the first column)',
        security,
        consumes: ['text/csv'],
        body: Type.String({ description: 'CSV text' }),
        response: { 200: Suppressed, 400: ErrorResponse, 415: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      let emails: string[];
      try {
        emails = addressesFromCsv(request.body);
      } catch (error) {
        throw new ValidationError('body', `is not CSV: ${(error as Error).message}`);
      }
      if (emails.length === 0) throw new ValidationError('body', 'holds no address');
      return {
        suppressed: await suppressAddresses(pool, services.addressHasher, emails, 'imported by the operator'),
      };
    },
  );

  app.delete(
    '/suppressions/:email',
    {
      schema: {
        summary: 'Lift the suppression of an address: it gets mail again from the next edition on',
        security,
        params: Type.Object({ email: Type.String({ maxLength: 320 }) }),
        response: {
          204: Type.Null({ description: 'lifted' }),
          400: ErrorResponse,
          404: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      const email = normalizeEmailAddress(request.params.email);
      if (!(await liftAddress(pool, services.addressHasher, email)))
        return reply.status(404).send(notFound(`${email} is not suppressed`));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/editions',
    {
      schema: {
        summary: 'Editions built, newest first, with deliveries by status and why an empty one sends nothing',
        security,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }),
        response: { 200: Type.Array(EditionSummary), 400: ErrorResponse, ...denied },
      },
    },
    async (request) => editionsWithCounts(services, request.query.limit),
  );

  const editionAnswer = (action: Awaited<ReturnType<typeof buildEdition>>) => ({
    ...action,
    edition: {
      id: action.edition.id ?? null,
      frequency: action.edition.frequency,
      day: action.edition.day,
      status: action.edition.status,
      emptyReason: action.edition.emptyReason,
      paperCount: action.edition.papers.length,
    },
  });

  app.post(
    '/editions',
    {
      schema: {
        summary: 'Build (freeze) the edition of a date; an existing one is returned as it is',
        security,
        body: EditionRequest,
        response: { 200: EditionAction, 400: ErrorResponse, ...denied },
      },
    },
    async (request) =>
      editionAnswer(
        await buildEdition(services, request.body.frequency ?? 'daily', parseDay(request.body.date, 'date')),
      ),
  );

  app.post(
    '/editions/send',
    {
      schema: {
        summary:
          "Build the edition if needed and fan it out; the worker sends it at each reader's hour (or at once with now)",
        security,
        body: EditionRequest,
        response: { 200: EditionAction, 400: ErrorResponse, ...denied },
      },
    },
    async (request) =>
      editionAnswer(
        await sendEditionOf(
          services,
          request.body.frequency ?? 'daily',
          parseDay(request.body.date, 'date'),
          request.body.now ?? false,
        ),
      ),
  );

  app.get(
    '/editions/:id/preview',
    {
      schema: {
        summary: 'An edition as the default reader, or a given subscriber, would get it (HTML)',
        security,
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
        querystring: Type.Object({
          email: Type.Optional(Type.String({ maxLength: 320, description: "a subscriber's address" })),
        }),
        produces: ['text/html'],
        response: { 200: HtmlPage, 400: ErrorResponse, 404: ErrorResponse, ...denied },
      },
    },
    async (request, reply) => {
      const edition = await services.editions.findById(request.params.id);
      if (!edition) return reply.status(404).send(notFound('no such edition'));
      const email = request.query.email?.trim();
      const subscriber = email ? await services.subscribers.findByEmail(email) : undefined;
      if (email && !subscriber)
        return reply.status(404).send(notFound(`no subscriber with the address ${email}`));
      const digest = await previewEdition(services, edition, subscriber);
      if (!digest)
        return reply
          .status(404)
          .send(
            notFound(
              edition.status === 'empty'
                ? `the edition is empty: ${edition.emptyReason}`
                : 'nothing would be sent to this reader',
            ),
          );
      return reply.type('text/html; charset=utf-8').send(digest.html);
    },
  );

  app.get(
    '/ingests',
    {
      schema: {
        summary: 'The latest ingests: day, source, counts or error, duration',
        security,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
        response: { 200: Type.Array(IngestRunSchema), 400: ErrorResponse, ...denied },
      },
    },
    async (request) => jsonified(await recentIngestRuns(pool, request.query.limit)),
  );

  app.post(
    '/ingests',
    {
      schema: {
        summary: 'Ingest a day again, from the live API (hf) or the bundled sample',
        security,
        body: Type.Object({
          date: Day,
          source: Type.Union(
            INGEST_SOURCES.map((s) => Type.Literal(s)),
            { default: 'hf' },
          ),
        }),
        response: {
          200: Type.Object({
            date: Type.String(),
            new: Type.Integer(),
            updated: Type.Integer(),
            unchanged: Type.Integer(),
            skipped: Type.Integer(),
          }),
          400: ErrorResponse,
          502: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      const date = parseDay(request.body.date, 'date');
      try {
        return await ingestAgain(services, date, request.body.source);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        return reply.status(502).send({
          statusCode: 502,
          error: 'Bad Gateway',
          message: `could not ingest ${date}: ${(error as Error).message}`,
        });
      }
    },
  );
};
