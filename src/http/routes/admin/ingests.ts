import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { INGEST_SOURCES, ingestAgain } from '../../../admin/operator.ts';
import { parseDay } from '../../../dates.ts';
import { ValidationError } from '../../../errors.ts';
import { recentIngestRuns } from '../../../papers/ingest.ts';
import { Day, ErrorResponse, jsonified } from '../../schemas.ts';
import { denied, IngestRunSchema, security } from './common.ts';

/** Ingests: the latest runs, and a day ingested again. */
export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.services;
  const pool = services.db.pool;

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
    async (request) => jsonified(await recentIngestRuns(pool, { limit: request.query.limit })),
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
