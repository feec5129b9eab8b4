import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { erase, exportSubscriber, subscriberDetail } from '../../../admin/operator.ts';
import { LISTED_STATUSES, resendConfirmation, searchSubscribers } from '../../../subscribers/records.ts';
import { ErrorResponse, jsonified, Nullable, notFound, SubscriberId, Timestamp } from '../../schemas.ts';
import { denied, security } from './common.ts';

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

/** Finding subscribers, one subscriber, their data (export, erase), their confirmation again. */
export const subscriberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.services;
  const pool = services.db.pool;

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
};
