import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { pendingMigrations } from '../../db/migrate.ts';
import { sameSecret } from '../bearer.ts';

const Health = Type.Object({ status: Type.String() });

// everything but `status` only for operators (README "Health"): the relay's host and errors are theirs
const Readiness = Type.Object({
  status: Type.String({ description: 'ready, or what keeps the service from being ready' }),
  reason: Type.Optional(Type.String({ description: 'why the service is not ready' })),
  database: Type.Optional(Type.String({ description: 'ok or unreachable' })),
  pendingMigrations: Type.Optional(
    Type.Array(Type.String(), {
      description: 'migrations this code has and the database has not: the schema is behind',
    }),
  ),
  sending: Type.Optional(
    Type.Object(
      {
        state: Type.String({ description: 'sending, or paused: mail cannot be written here (a full disk)' }),
        reason: Type.Optional(Type.String()),
        until: Type.Optional(
          Type.String({ format: 'date-time', description: 'when claiming resumes by itself' }),
        ),
      },
      {
        description:
          "this process's sender: a local fault (the outbox's disk full, no permission) pauses claiming, is never counted against a subscriber, and makes the process unready until a mail is written again",
      },
    ),
  ),
  relay: Type.Optional(
    Type.Object(
      {
        state: Type.String({ description: 'ok, failing, unchecked, or outbox (no SMTP_URL)' }),
        checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        detail: Type.Optional(Type.String()),
      },
      {
        description:
          'the SMTP relay as last seen by this process (the last message sent, or a check at most a minute old); reported, never a reason for 503: mail waits in the ledger while the relay is away',
      },
    ),
  ),
});

/** How old the relay's last known state may be before /readyz checks it again. */
const RELAY_STATUS_MAX_AGE_MS = 60_000;

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { adminToken, metricsPublic } = app.services.config;
  /** The details of /readyz: where /metrics is public, or with Authorization: Bearer $ADMIN_TOKEN. */
  const seesDetails = (request: FastifyRequest) => {
    if (metricsPublic) return true;
    const header = request.headers.authorization ?? '';
    return Boolean(adminToken && header.startsWith('Bearer ') && sameSecret(header.slice(7), adminToken));
  };
  const answer = <T extends { status: string }>(request: FastifyRequest, body: T) =>
    seesDetails(request) ? body : { status: body.status };

  app.get('/healthz', { schema: { summary: 'The process is up', response: { 200: Health } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    {
      schema: {
        summary:
          'The database answers and has every migration, and mail can be written here; the relay as last checked',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      const { db, transport, sender } = app.services;
      const sendingNow = sender.sendingState();
      const sending =
        sendingNow.state === 'paused' ? { ...sendingNow, until: sendingNow.until.toISOString() } : sendingNow;
      const relayChecked = transport.relayStatus(RELAY_STATUS_MAX_AGE_MS);
      const migrations = pendingMigrations(db.pool).then(
        (pending) => ({ pending }),
        (error: unknown) => ({ error }),
      );
      const relay = await relayChecked;
      const relayAnswer = { ...relay, checkedAt: relay.checkedAt?.toISOString() ?? null };
      const checked = await migrations;
      if ('error' in checked) {
        const { error } = checked;
        app.log.warn({ err: error }, 'readiness check failed');
        const { code, message } = error as { code?: string; message?: string };
        return reply.status(503).send(
          answer(request, {
            status: 'database unreachable',
            reason: [code, message].filter(Boolean).join(': ') || 'no answer',
            database: 'unreachable',
            pendingMigrations: [],
            sending,
            relay: relayAnswer,
          }),
        );
      }
      const { pending } = checked;
      if (pending.length > 0)
        return reply.status(503).send(
          answer(request, {
            status: 'migrations pending',
            reason: `the database lacks ${pending.join(', ')}: run paperboy migrate`,
            database: 'ok',
            pendingMigrations: pending,
            sending,
            relay: relayAnswer,
          }),
        );
      if (sendingNow.state === 'paused')
        return reply.status(503).send(
          answer(request, {
            status: 'sending paused',
            reason: sendingNow.reason,
            database: 'ok',
            pendingMigrations: [],
            sending,
            relay: relayAnswer,
          }),
        );
      return answer(request, {
        status: 'ready',
        database: 'ok',
        pendingMigrations: [],
        sending,
        relay: relayAnswer,
      });
    },
  );
};
