import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ValidationError } from '../../errors.ts';
import { isArxivId } from '../../papers/normalize.ts';
import type { Paper } from '../../papers/paper.ts';
import { findPaper } from '../../papers/store.ts';
import { MAX_AUTHOR_LENGTH, type Signal } from '../../subscribers/feedback.ts';
import { LINK_PATHS } from '../../subscribers/links.ts';
import {
  feedbackOf,
  followAuthor,
  followOrganisation,
  recordSignal,
  removeSignal,
  unfollowAuthor,
  unfollowOrganisation,
} from '../../subscribers/store.ts';
import type { Subscriber } from '../../subscribers/subscriber.ts';
import { sendPage as page } from '../page.ts';
import { errorResponses, HtmlPage } from '../schemas.ts';
import { invalidLink } from './links/kit.ts';

const PURPOSES = ['more', 'less'] as const;
type Purpose = (typeof PURPOSES)[number];
const SIGNAL: Record<Purpose, Signal> = { more: 1, less: -1 };

const FeedbackParams = Type.Object({
  token: Type.String({ maxLength: 200, description: 'the token of the link in the digest' }),
  arxivId: Type.String({ maxLength: 64, description: 'the paper' }),
});

/**
 * "More like this" and "Less like this" under every paper of a digest. Following the link shows
 * the paper and what will change, and records nothing (link scanners follow every link in a
 * mail); the page's button records it, once however often it is pressed, with an undo. The same
 * page offers to follow each of the paper's authors.
 */
export const feedbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, subscribers, links, db } = app.services;
  const perClientLimit = { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs };
  const responses = { 200: HtmlPage, 404: HtmlPage, ...errorResponses };

  /** The subscriber and paper of a link, or undefined when the link is not one of ours. */
  async function check(purpose: Purpose, token: string, arxivId: string) {
    if (!isArxivId(arxivId)) return undefined;
    const checked = await subscribers.checkLink(token, purpose, { object: arxivId });
    if (!checked.ok) return undefined;
    const paper = await findPaper(db.pool, { arxivId });
    return paper ? { subscriber: checked.subscriber, paper } : undefined;
  }

  async function feedbackPage(
    reply: FastifyReply,
    purpose: Purpose,
    subscriber: Subscriber,
    paper: Paper,
    notice?: string,
  ) {
    const feedback = await feedbackOf(db.pool, { subscriberId: subscriber.id });
    const current = feedback.signals.find((s) => s.arxivId === paper.arxivId)?.signal;
    const followed = new Set(feedback.follows);
    const here = links.feedbackUrl(purpose, subscriber, paper.arxivId);
    return page(reply, 200, 'feedback', {
      purpose,
      title: purpose === 'more' ? 'More like this' : 'Less like this',
      paper,
      recorded: current === SIGNAL[purpose],
      opposite: current !== undefined && current !== SIGNAL[purpose],
      notice,
      actionUrl: here,
      undoUrl: `${here}/undo`,
      followUrl: `${here}/follow`,
      authors: paper.authors.map((author) => ({ name: author.name, followed: followed.has(author.name) })),
      // the organisation the API names for the paper, if any
      organisation: paper.organization
        ? {
            fullname: paper.organization.fullname,
            followed: (feedback.organisations ?? []).some((o) => o.name === paper.organization?.name),
          }
        : undefined,
      followOrganisationUrl: `${here}/follow-organisation`,
      preferencesUrl: links.url('preferences', subscriber),
    });
  }

  for (const purpose of PURPOSES) {
    const path = `${LINK_PATHS[purpose]}/:token/:arxivId`;
    const what = purpose === 'more' ? '"More like this"' : '"Less like this"';

    app.get(
      path,
      {
        schema: {
          summary: `${what} on a paper of a digest: shows what will change, changes nothing`,
          params: FeedbackParams,
          response: responses,
        },
      },
      async (request, reply) => {
        const found = await check(purpose, request.params.token, request.params.arxivId);
        if (!found) return invalidLink(reply);
        return feedbackPage(reply, purpose, found.subscriber, found.paper);
      },
    );

    app.post(
      path,
      {
        config: { rateLimit: perClientLimit },
        schema: {
          summary: `Record ${what}; pressing it again changes nothing`,
          params: FeedbackParams,
          response: responses,
        },
      },
      async (request, reply) => {
        const found = await check(purpose, request.params.token, request.params.arxivId);
        if (!found) return invalidLink(reply);
        await recordSignal(db.pool, {
          subscriberId: found.subscriber.id,
          arxivId: found.paper.arxivId,
          signal: SIGNAL[purpose],
        });
        return feedbackPage(
          reply,
          purpose,
          found.subscriber,
          found.paper,
          'Recorded: your next digest takes it into account.',
        );
      },
    );

    app.post(
      `${path}/undo`,
      {
        config: { rateLimit: perClientLimit },
        schema: { summary: `Undo ${what}`, params: FeedbackParams, response: responses },
      },
      async (request, reply) => {
        const found = await check(purpose, request.params.token, request.params.arxivId);
        if (!found) return invalidLink(reply);
        const current = (await feedbackOf(db.pool, { subscriberId: found.subscriber.id })).signals.find(
          (s) => s.arxivId === found.paper.arxivId,
        );
        // undo takes back this link's answer only, not a later opposite one
        if (current?.signal === SIGNAL[purpose])
          await removeSignal(db.pool, { subscriberId: found.subscriber.id, arxivId: found.paper.arxivId });
        return feedbackPage(
          reply,
          purpose,
          found.subscriber,
          found.paper,
          'Undone: this paper no longer shapes your digest.',
        );
      },
    );

    app.post(
      `${path}/follow`,
      {
        config: { rateLimit: perClientLimit },
        schema: {
          summary: "Follow (or stop following) one of the paper's authors: their papers always come first",
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          params: FeedbackParams,
          body: Type.Object({
            author: Type.String({ minLength: 1, maxLength: MAX_AUTHOR_LENGTH }),
            action: Type.Union([Type.Literal('follow'), Type.Literal('unfollow')], { default: 'follow' }),
          }),
          response: responses,
        },
      },
      async (request, reply) => {
        const found = await check(purpose, request.params.token, request.params.arxivId);
        if (!found) return invalidLink(reply);
        const { author, action } = request.body;
        // only an author of this paper: a link cannot be used to store any text at all
        if (!found.paper.authors.some((a) => a.name === author))
          throw new ValidationError('author', 'not an author of this paper');
        if (action === 'unfollow')
          await unfollowAuthor(db.pool, { subscriberId: found.subscriber.id, author });
        else await followAuthor(db.pool, { subscriberId: found.subscriber.id, author });
        return feedbackPage(
          reply,
          purpose,
          found.subscriber,
          found.paper,
          action === 'unfollow'
            ? `You no longer follow ${author}.`
            : `You follow ${author}: their papers come first in your digest.`,
        );
      },
    );

    app.post(
      `${path}/follow-organisation`,
      {
        config: { rateLimit: perClientLimit },
        schema: {
          summary:
            "Follow (or stop following) the paper's organisation, as the Hugging Face API names it: its papers always come first",
          consumes: ['application/x-www-form-urlencoded', 'application/json'],
          params: FeedbackParams,
          body: Type.Object({
            action: Type.Union([Type.Literal('follow'), Type.Literal('unfollow')], { default: 'follow' }),
          }),
          response: responses,
        },
      },
      async (request, reply) => {
        const found = await check(purpose, request.params.token, request.params.arxivId);
        if (!found) return invalidLink(reply);
        // only the paper's own organisation, as stored with it: a link cannot store any text
        const organisation = found.paper.organization;
        if (!organisation) throw new ValidationError('organisation', 'this paper names none');
        const { action } = request.body;
        if (action === 'unfollow')
          await unfollowOrganisation(db.pool, { subscriberId: found.subscriber.id, name: organisation.name });
        else
          await followOrganisation(db.pool, {
            subscriberId: found.subscriber.id,
            organisation,
          });
        return feedbackPage(
          reply,
          purpose,
          found.subscriber,
          found.paper,
          action === 'unfollow'
            ? `You no longer follow ${organisation.fullname}.`
            : `You follow ${organisation.fullname}: its papers come first in your digest.`,
        );
      },
    );
  }
};
