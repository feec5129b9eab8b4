import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { archiveUrl, editionTitle, paperView } from '../../digest/presentation.ts';
import { sendPage } from '../page.ts';
import { preferenceFormData } from '../preference-form.ts';
import { HtmlPage } from '../schemas.ts';

/** Papers of the latest digest the home page shows: the product before the form's details. */
const HOME_PAPERS = 5;

/** The one script the pages use, served from the app itself (no CDN): see the file. */
const TIMEZONE_SCRIPT = readFileSync(
  fileURLToPath(new URL('../../../templates/assets/timezone.js', import.meta.url)),
  'utf8',
);

export const pageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { editions } = app.services;

  app.get(
    '/assets/timezone.js',
    { schema: { summary: 'Preselects the browser’s time zone in the subscription form', hide: true } },
    async (_request, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(TIMEZONE_SCRIPT),
  );

  /** The newest daily edition with papers, its first few papers; none on an empty install. */
  async function latestDigest() {
    const ready = await editions.list({ onlyReady: true, limit: 10 });
    const newest = ready.find((edition) => edition.frequency === 'daily') ?? ready[0];
    const edition = newest && (await editions.findById(newest.id));
    if (!edition) return undefined;
    return {
      title: editionTitle(edition),
      url: archiveUrl('', edition),
      count: edition.papers.length,
      papers: edition.papers.slice(0, HOME_PAPERS).map((paper) => paperView(paper, { rank: paper.position })),
    };
  }

  app.get(
    '/',
    { schema: { summary: 'Home page with the subscription form', response: { 200: HtmlPage } } },
    async (_request, reply) =>
      sendPage(reply, 200, 'home', { form: preferenceFormData(), latest: await latestDigest() }),
  );
};
