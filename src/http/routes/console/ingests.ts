import { Type } from 'typebox';
import { INGEST_SOURCES, ingestAgain } from '../../../admin/operator.ts';
import { isoDay, parseDay } from '../../../dates.ts';
import { recentIngestRuns } from '../../../papers/ingest.ts';
import { HtmlPage } from '../../schemas.ts';

import { ActionBody, type ConsoleApp, type ConsoleKit, NoticeQuery, noticeOf } from './kit.ts';

/** Ingests: the latest runs, and a day ingested again. */
export async function registerIngestRoutes(app: ConsoleApp, kit: ConsoleKit): Promise<void> {
  const { services, pool, page, back, guarded, requireSession } = kit;
  app.get(
    '/ingests',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: ingests', querystring: NoticeQuery, response: { 200: HtmlPage } },
    },
    async (request, reply) =>
      page(reply, 'ingests', {
        title: 'Ingests',
        runs: await recentIngestRuns(pool, { limit: 100 }),
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
}
