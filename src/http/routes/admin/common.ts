import { Type } from 'typebox';
import { ErrorResponse, Nullable, Timestamp } from '../../schemas.ts';

/** Every admin route needs `Authorization: Bearer $ADMIN_TOKEN` (checked in ./index.ts). */
export const security = [{ bearer: [] }];
export const denied = { 401: ErrorResponse };

const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'deliveries by status' });

export const EditionSummary = Type.Object({
  id: Type.Integer(),
  frequency: Type.String(),
  day: Type.String(),
  status: Type.String(),
  emptyReason: Nullable(Type.String()),
  buildNote: Nullable(Type.String()),
  counts: Counts,
});

export const IngestRunSchema = Type.Object({
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
  anomaly: Type.Boolean({
    description:
      'the answer would have emptied a day with papers (empty, or no usable item): nothing was stored',
  }),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
});
