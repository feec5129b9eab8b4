import { Type } from 'typebox';
import { LINK_PATHS } from '../../../subscribers/links.ts';
import { describePreferences, PreferencesInput } from '../../../subscribers/preferences.ts';
import { MAX_PAUSE_WEEKS } from '../../../subscribers/service.ts';
import { describeError, handleError, wantsHtml } from '../../error-handler.ts';
import { sendPage as page } from '../../page.ts';
import { keptPreferences, preferenceFormData } from '../../preference-form.ts';
import { TokenParams } from '../../schemas.ts';

import { invalidLink, type LinkApp, type LinkKit, untilDate } from './kit.ts';

/** The preferences page: show and save, pause, subscribe again. */
export async function registerPreferenceRoutes(app: LinkApp, kit: LinkKit): Promise<void> {
  const { subscribers, links, perClientLimit, htmlResponses, preferencesPage } = kit;
  app.get(
    `${LINK_PATHS.preferences}/:token`,
    { schema: { summary: 'Preferences page', params: TokenParams, response: htmlResponses } },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      return page(reply, 200, 'preferences', await preferencesPage(check.subscriber));
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Save preferences from the preferences page',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: PreferencesInput,
        response: htmlResponses,
      },
      // a bad field brings the page back with what was typed and the message
      errorHandler: async (error, request, reply) => {
        if (!wantsHtml(request)) return handleError(error, request, reply);
        const { statusCode, message, field } = describeError(error, request, reply);
        const { token } = request.params as { token: string };
        const check = statusCode === 400 ? await subscribers.checkLink(token, 'preferences') : undefined;
        if (!check?.ok) return handleError(error, request, reply);
        const posted = (request.body ?? {}) as Record<string, unknown>;
        return page(reply, 400, 'preferences', {
          ...(await preferencesPage(check.subscriber)),
          form: preferenceFormData(keptPreferences(posted, check.subscriber.preferences)),
          error: { field: field ?? '', message },
        });
      },
    },
    async (request, reply) => {
      const result = await subscribers.updatePreferences(request.params.token, request.body);
      if (!result.ok) return invalidLink(reply);
      const { subscriber } = result;
      return page(reply, 200, 'message', {
        title: 'Preferences saved',
        message:
          subscriber.status === 'unsubscribed'
            ? 'Saved. You are unsubscribed: nothing is sent until you subscribe again.'
            : `You will receive ${describePreferences(subscriber.preferences)}.`,
        link: { href: links.url('preferences', subscriber), text: 'Back to your preferences' },
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/pause`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: `Pause the digest for 1–${MAX_PAUSE_WEEKS} weeks, or resume it (weeks = 0)`,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ weeks: Type.Integer({ minimum: 0, maximum: MAX_PAUSE_WEEKS }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const result = await subscribers.pause(request.params.token, request.body.weeks);
      if (!result.ok) return invalidLink(reply);
      const { pausedUntil } = result.subscriber;
      return page(reply, 200, 'message', {
        title: pausedUntil ? 'Your digest is paused' : 'Your digest is back',
        message: pausedUntil
          ? `No digest is sent until ${untilDate.format(pausedUntil)}; the ones due before are skipped, not sent late.`
          : `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        link: { href: links.url('preferences', result.subscriber), text: 'Your preferences' },
      });
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/resubscribe`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Subscribe again in one click, from the preferences link of an unsubscribed address',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const result = await subscribers.resubscribe(request.params.token);
      if (!result.ok) return invalidLink(reply);
      return page(reply, 200, 'message', {
        title: 'You are subscribed again',
        message: `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        link: { href: links.url('preferences', result.subscriber), text: 'Your preferences' },
      });
    },
  );
}
