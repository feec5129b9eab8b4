import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Edition } from '../../digest/editions.ts';
import { reasonText, selectPapers } from '../../digest/personalise.ts';
import { archiveUrl, editionTitle, paperView } from '../../digest/presentation.ts';
import { LINK_PATHS } from '../../subscribers/links.ts';
import { describePreferences } from '../../subscribers/preferences.ts';
import { feedbackOf } from '../../subscribers/store.ts';
import type { Subscriber } from '../../subscribers/subscriber.ts';
import { renderPage } from '../../templates.ts';
import { siteView } from '../branding.ts';
import { TokenParams } from '../schemas.ts';

/** Editions a reader's feed lists: their newest, of their own frequency. */
const READER_FEED_SIZE = 20;
/** Editions of every frequency read to find a reader's newest READER_FEED_SIZE of theirs. */
const EDITIONS_SCANNED = READER_FEED_SIZE * 8;

/** A reader's digest of each recent edition, ranked for them, each paper with why it is there. */
async function readerEntries(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
  subscriber: Subscriber,
  publicUrl: string,
) {
  const { editions, db } = app.services;
  const { preferences } = subscriber;
  // what a reader taught their digest ranks their feed as it ranks their mail
  const feedback = subscriber.learnedAt
    ? await feedbackOf(db.pool, { subscriberId: subscriber.id })
    : undefined;
  const listed = (await editions.list({ onlyReady: true, limit: EDITIONS_SCANNED }))
    .filter((item) => item.frequency === preferences.frequency)
    .slice(0, READER_FEED_SIZE);
  const entries = [];
  for (const item of listed) {
    const edition = (await editions.findById(item.id)) as Edition;
    const selection = selectPapers(edition, preferences, feedback);
    // in `only` mode an edition without their keywords sent them nothing: the feed agrees
    if (selection.length === 0) continue;
    entries.push({
      title: editionTitle(edition),
      frequency: edition.frequency,
      day: edition.day,
      url: archiveUrl(publicUrl, edition),
      updated: item.builtAt.toISOString(),
      papers: selection.map((selected) => ({
        ...paperView(selected.paper, { rank: selected.rank, matched: selected.matched }),
        why: reasonText(selected.reason),
      })),
    });
  }
  return entries;
}

/**
 * A reader's own Atom feed at a private address (`/feeds/<token>`): a `feed` token, which opens
 * this and nothing else, bound to the reader's link nonce like every link in their mail, so it is
 * revoked with them. Only an active reader's feed answers.
 */
export const readerFeedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, subscribers, links } = app.services;
  app.get(
    `${LINK_PATHS.feed}/:token`,
    {
      schema: {
        summary: 'A reader’s private Atom feed: their ranked digests, each paper with why it is there',
        params: TokenParams,
        response: {
          200: Type.String({ description: 'Atom XML' }),
          404: Type.String({ description: 'not a feed (or no longer): plain text' }),
        },
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'feed');
      // feed readers keep polling what they were given: a short answer, no page
      if (!check.ok || check.subscriber.status !== 'active')
        return reply.status(404).type('text/plain; charset=utf-8').send('No such feed (or no longer).');
      const { subscriber } = check;
      const entries = await readerEntries(app, subscriber, config.publicUrl);
      const xml = renderPage('reader-feed', {
        site: siteView(config),
        publicUrl: config.publicUrl,
        selfUrl: links.url('feed', subscriber),
        summary: describePreferences(subscriber.preferences),
        updated: entries[0]?.updated ?? (subscriber.confirmedAt ?? new Date(0)).toISOString(),
        entries,
      });
      return (
        reply
          .type('application/atom+xml; charset=utf-8')
          // personal: no search engine lists it (every token page is no-store: app.ts)
          .header('x-robots-tag', 'noindex')
          .send(xml)
      );
    },
  );
};
