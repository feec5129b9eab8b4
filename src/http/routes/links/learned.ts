import { Type } from 'typebox';
import { forgetFeedback, MAX_AUTHOR_LENGTH } from '../../../subscribers/feedback.ts';
import { LINK_PATHS } from '../../../subscribers/links.ts';
import { removeSignal, unfollowAuthor, unfollowOrganisation } from '../../../subscribers/store.ts';
import { sendPage as page } from '../../page.ts';
import { TokenParams } from '../../schemas.ts';

import { invalidLink, type LinkApp, type LinkKit } from './kit.ts';

/** What the digest learned, in the reader’s hands: forget an answer, a follow, or everything. */
export async function registerLearnedRoutes(app: LinkApp, kit: LinkKit): Promise<void> {
  const { subscribers, perClientLimit, htmlResponses, preferencesPage } = kit;
  app.post(
    `${LINK_PATHS.preferences}/:token/learned/forget`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          'Remove one thing Paperboy learned: a "more / less like this" on a paper, or a followed author',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({
          arxivId: Type.Optional(Type.String({ maxLength: 64 })),
          author: Type.Optional(Type.String({ maxLength: MAX_AUTHOR_LENGTH })),
        }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      const { arxivId, author } = request.body;
      if (arxivId) await removeSignal(app.services.db.pool, { subscriberId: check.subscriber.id, arxivId });
      if (author) await unfollowAuthor(app.services.db.pool, { subscriberId: check.subscriber.id, author });
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: author
          ? `You no longer follow ${author}.`
          : 'Removed: that paper no longer shapes your digest.',
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/learned/forget-organisation`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: "Stop following an organisation (its key, the API's `name`)",
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ organisation: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await unfollowOrganisation(app.services.db.pool, {
        subscriberId: check.subscriber.id,
        name: request.body.organisation,
      });
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: 'You no longer follow that organisation.',
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/learned/reset`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Reset what Paperboy learned: every "more / less like this" and every follow',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await forgetFeedback(app.services.db.pool, check.subscriber.id);
      return page(reply, 200, 'preferences', {
        ...(await preferencesPage(check.subscriber)),
        notice: 'Reset: your digest is ranked by what is trending and by your keywords again.',
      });
    },
  );
}
