import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isRealDay } from '../../dates.ts';
import type { Edition } from '../../digest/editions.ts';
import { selectPapers } from '../../digest/personalise.ts';
import { archiveUrl, editionTitle, paperView } from '../../digest/presentation.ts';
import { DEFAULT_PREFERENCES } from '../../subscribers/preferences.ts';
import { renderPage } from '../../templates.ts';
import { siteView } from '../branding.ts';
import { sendPage } from '../page.ts';
import { Day, FrequencySchema, HtmlPage } from '../schemas.ts';

const DayParams = Type.Object({ day: Day });
const FrequencyQuery = Type.Object({
  frequency: Type.Optional(Type.Union(FrequencySchema.anyOf, { default: 'daily' })),
});

const ARCHIVE_SIZE = 200;
const FEED_SIZE = 30;

/** An edition as the default mail shows it: the same selection, so archive and mail agree. */
function editionView(edition: Edition, publicUrl: string) {
  return {
    title: editionTitle(edition),
    url: archiveUrl(publicUrl, edition),
    papers: selectPapers(edition, DEFAULT_PREFERENCES).map((selected) =>
      paperView(selected.paper, { rank: selected.rank }),
    ),
  };
}

/** The public archive of editions and its Atom feed: no personal links anywhere. */
export const archiveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { editions, config } = app.services;

  app.get(
    '/digests',
    { schema: { summary: 'The archive of digest editions', response: { 200: HtmlPage } } },
    async (_request, reply) => {
      const list = await editions.list({ onlyReady: true, limit: ARCHIVE_SIZE });
      return sendPage(reply, 200, 'digests', {
        editions: list.map((edition) => ({
          ...edition,
          title: editionTitle(edition),
          url: archiveUrl('', edition),
        })),
      });
    },
  );

  app.get(
    '/digests/:day',
    {
      schema: {
        summary: 'One edition in the archive',
        params: DayParams,
        querystring: FrequencyQuery,
        response: { 200: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const frequency = request.query.frequency ?? 'daily';
      const { day } = request.params;
      if (!isRealDay(day)) {
        return sendPage(reply, 404, 'message', {
          title: 'Not a date',
          message: `${day} is not a day of the calendar: there is no digest for it.`,
          link: { href: '/digests', text: 'All digests' },
        });
      }
      const edition = await editions.find(frequency, day);
      if (edition?.status !== 'ready') {
        return sendPage(reply, 404, 'message', {
          title: 'No digest for this date',
          message: edition?.emptyReason ?? `No ${frequency} digest was made for ${day}.`,
          link: { href: '/digests', text: 'All digests' },
        });
      }
      const { previous, next } = await editions.neighbours(edition);
      const near = (neighbour: string | null) =>
        neighbour ? archiveUrl('', { frequency: edition.frequency, day: neighbour }) : null;
      return sendPage(reply, 200, 'digest', {
        ...editionView(edition, config.publicUrl),
        previousUrl: near(previous),
        nextUrl: near(next),
      });
    },
  );

  app.get(
    '/feed.xml',
    {
      schema: {
        summary: 'Atom feed of digest editions',
        response: { 200: Type.String({ description: 'Atom XML' }) },
      },
    },
    async (_request, reply) => {
      const list = await editions.list({ onlyReady: true, limit: FEED_SIZE });
      const entries = [];
      for (const item of list) {
        const edition = (await editions.findById(item.id)) as Edition;
        entries.push({ ...editionView(edition, config.publicUrl), updated: item.builtAt.toISOString() });
      }
      const xml = renderPage('atom-feed', {
        site: siteView(config),
        publicUrl: config.publicUrl,
        updated: entries[0]?.updated ?? new Date(0).toISOString(),
        entries,
      });
      return reply.type('application/atom+xml; charset=utf-8').send(xml);
    },
  );
};
