import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  buildEdition,
  editionsWithCounts,
  previewEdition,
  sendEditionOf,
  sendTestOf,
  type TestSend,
} from '../../../admin/operator.ts';
import { parseDay } from '../../../dates.ts';
import { ValidationError } from '../../../errors.ts';
import { Day, ErrorResponse, FrequencySchema, HtmlPage, Nullable, notFound } from '../../schemas.ts';
import { denied, EditionSummary, security } from './common.ts';

const EditionAction = Type.Object({
  created: Type.Boolean({ description: 'false when the edition was already built' }),
  edition: Type.Object({
    id: Type.Union([Type.Integer(), Type.Null()]),
    frequency: Type.String(),
    day: Type.String(),
    status: Type.String({
      description: "ready, empty, or waiting (not built yet: its day's list is not known to be complete)",
    }),
    emptyReason: Nullable(
      Type.String({ description: 'why an empty edition is empty, or why a waiting one waits' }),
    ),
    buildNote: Nullable(
      Type.String({
        description: 'set when it was built from what was stored after the wait, or rebuilt by hand',
      }),
    ),
    paperCount: Type.Integer(),
  }),
  fannedOut: Type.Optional(Type.Integer({ description: 'deliveries added by this call' })),
});

const EditionRequest = Type.Object({
  frequency: Type.Optional(FrequencySchema),
  date: Day,
  now: Type.Optional(Type.Boolean({ description: "send: ignore readers' hours, everything is due now" })),
  rebuild: Type.Optional(
    Type.Boolean({
      description: 'build: build it again now from the stored papers; 400 once any of its mail has gone',
    }),
  ),
});

/** Editions: list, build, build and send, preview as any reader. */
export const editionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.services;

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
      buildNote: action.edition.buildNote ?? null,
      paperCount: action.edition.papers.length,
    },
  });

  app.post(
    '/editions',
    {
      schema: {
        summary:
          'Build the edition of a date once its day is complete, fill an empty one, or rebuild one that has sent nothing; an existing one is returned as it is',
        security,
        body: EditionRequest,
        response: { 200: EditionAction, 400: ErrorResponse, ...denied },
      },
    },
    async (request) =>
      editionAnswer(
        await buildEdition(
          services,
          request.body.frequency ?? 'daily',
          parseDay(request.body.date, 'date'),
          request.body.rebuild ?? false,
        ),
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
  app.post(
    '/editions/:id/test',
    {
      schema: {
        summary:
          'Send an edition to one address now (the operator’s own), as the default reader or a subscriber would get it; outside the ledger',
        security,
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
        body: Type.Object({
          to: Type.String({ maxLength: 320, description: 'where the test goes' }),
          email: Type.Optional(
            Type.String({ maxLength: 320, description: 'as the subscriber with this address' }),
          ),
        }),
        response: {
          200: Type.Object({
            to: Type.String(),
            response: Type.String({ description: 'the relay’s answer' }),
          }),
          400: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
          502: ErrorResponse,
          ...denied,
        },
      },
    },
    async (request, reply) => {
      const edition = await services.editions.findById(request.params.id);
      if (!edition) return reply.status(404).send(notFound('no such edition'));
      const email = request.body.email?.trim();
      const subscriber = email ? await services.subscribers.findByEmail(email) : undefined;
      if (email && !subscriber)
        return reply.status(404).send(notFound(`no subscriber with the address ${email}`));
      let outcome: TestSend;
      try {
        outcome = await sendTestOf(services, edition, request.body.to, subscriber);
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError('to', error.reason);
        return reply.status(502).send({
          statusCode: 502,
          error: 'Bad Gateway',
          message: `the relay did not take the test: ${(error as Error).message}`,
        });
      }
      if (!outcome.sent)
        return reply.status(409).send({ statusCode: 409, error: 'Conflict', message: outcome.why });
      return { to: outcome.to, response: outcome.response };
    },
  );
};
