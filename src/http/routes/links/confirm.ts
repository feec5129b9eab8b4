import { LINK_PATHS } from '../../../subscribers/links.ts';
import { describePreferences } from '../../../subscribers/preferences.ts';
import { sendPage as page } from '../../page.ts';
import { HtmlPage, TokenParams } from '../../schemas.ts';

import { invalidLink, type LinkApp, type LinkKit } from './kit.ts';

/** Confirmation links: GET and HEAD show what the button confirms; only its POST acts. */
export async function registerConfirmRoutes(app: LinkApp, kit: LinkKit): Promise<void> {
  const { subscribers, perClientLimit, htmlResponses, confirmedPage } = kit;
  app.get(
    `${LINK_PATHS.confirm}/:token`,
    {
      schema: {
        summary:
          'Confirmation link: shows what its button will confirm and changes nothing (link scanners follow GETs)',
        params: TokenParams,
        response: { ...htmlResponses, 410: HtmlPage },
      },
    },
    async (request, reply) => {
      const result = await subscribers.checkConfirmation(request.params.token);
      if (!result.ok && result.reason === 'expired') {
        return page(reply, 410, 'expired', { email: result.subscriber.email });
      }
      if (!result.ok) return invalidLink(reply);
      if (result.outcome === 'already-confirmed')
        return confirmedPage(reply, result.outcome, result.subscriber);
      const change = result.outcome === 'preferences-updated';
      return page(reply, 200, 'confirm', {
        title: change ? 'Confirm the change to your digest' : 'Confirm your subscription',
        email: result.subscriber.email,
        message: `You will receive ${describePreferences(result.subscriber.preferences)}.`,
        button: change ? 'Apply the change' : 'Confirm my subscription',
      });
    },
  );

  app.post(
    `${LINK_PATHS.confirm}/:token`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          "Confirm a subscription or a change (the button of the confirmation link's page); idempotent",
        params: TokenParams,
        response: { ...htmlResponses, 410: HtmlPage },
      },
    },
    async (request, reply) => {
      const result = await subscribers.confirm(request.params.token);
      if (!result.ok && result.reason === 'expired') {
        return page(reply, 410, 'expired', { email: result.subscriber.email });
      }
      if (!result.ok) return invalidLink(reply);
      return confirmedPage(reply, result.outcome, result.subscriber);
    },
  );
}
