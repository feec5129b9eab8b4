import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  buildEdition,
  editionsWithCounts,
  previewEdition,
  sendEditionOf,
  sendTestOf,
  type TestSend,
  yesterdaysEdition,
} from '../../../admin/operator.ts';
import { isoDay, parseDay } from '../../../dates.ts';
import { DELIVERY_STATUSES } from '../../../delivery/status.ts';
import type { Edition } from '../../../digest/editions.ts';
import { ValidationError } from '../../../errors.ts';
import { FREQUENCIES, type Frequency } from '../../../frequency.ts';
import { sendMailHtml } from '../../mail-html.ts';
import { FrequencySchema, HtmlPage } from '../../schemas.ts';

import { ActionBody, type ConsoleApp, type ConsoleKit, NoticeQuery, noticeOf } from './kit.ts';

/** Editions: build, send, preview as any reader, send a test. */
export async function registerEditionRoutes(app: ConsoleApp, kit: ConsoleKit): Promise<void> {
  const { services, page, back, guarded, requireSession } = kit;
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
    frequency: FrequencySchema,
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
}
