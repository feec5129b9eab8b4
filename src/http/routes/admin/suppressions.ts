import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parse as parseCsv } from 'csv-parse/sync';
import { Type } from 'typebox';
import { ValidationError } from '../../../errors.ts';
import { unescapeCsvCell } from '../../../subscribers/csv.ts';
import { normalizeEmailAddress } from '../../../subscribers/email-address.ts';
import { blockAddresses, liftAddress } from '../../../subscribers/records.ts';
import { listSuppressions } from '../../../subscribers/store.ts';
import { ErrorResponse, jsonified, Nullable, notFound, Timestamp } from '../../schemas.ts';
import { denied, security } from './common.ts';

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

/** The CSV of an address import: one address per row, in a column named `email` or the first. */
function addressesFromCsv(text: string): string[] {
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

/** The suppression list: read, block addresses (JSON or CSV), lift one. */
export const suppressionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.services;
  const pool = services.db.pool;

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
    async (request) => jsonified(await listSuppressions(pool, { limit: request.query.limit })),
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
      suppressed: await blockAddresses(
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
        suppressed: await blockAddresses(pool, services.addressHasher, emails, 'imported by the operator'),
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
};
