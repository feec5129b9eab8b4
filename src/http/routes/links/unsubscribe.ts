import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LINK_PATHS } from '../../../subscribers/links.ts';
import { acceptMultipart, type MultipartRules } from '../../multipart.ts';
import { sendPage as page } from '../../page.ts';
import { TokenParams } from '../../schemas.ts';

import { invalidLink, type LinkApp, type LinkKit, OneClickBody } from './kit.ts';

/** Room for the one field RFC 8058 sends (List-Unsubscribe=One-Click), and no file. */
const ONE_CLICK_MULTIPART: MultipartRules = {
  field: 'body',
  what: 'a one-click unsubscribe',
  limits: { parts: 4, fields: 4, files: 0, fieldNameSize: 100, fieldSize: 200 },
};

/** Unsubscribe links: a page with a button, and the one-click POST of RFC 8058. */
export async function registerUnsubscribeRoutes(app: LinkApp, kit: LinkKit): Promise<void> {
  const { subscribers, links, perClientLimit, htmlResponses, resubscribeUrl } = kit;
  app.get(
    `${LINK_PATHS.unsubscribe}/:token`,
    {
      schema: {
        summary: 'Unsubscribe page: shows a button and changes nothing (link scanners follow GETs)',
        params: TokenParams,
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'unsubscribe');
      if (!check.ok) return invalidLink(reply);
      return page(reply, 200, 'unsubscribe', {
        email: check.subscriber.email,
        alreadyUnsubscribed: check.subscriber.status === 'unsubscribed',
        frequency: check.subscriber.preferences.frequency,
        preferencesUrl: links.url('preferences', check.subscriber),
        resubscribeUrl: resubscribeUrl(check.subscriber),
      });
    },
  );

  // the one route that reads multipart (RFC 8058 allows it), in a scope of its own
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    acceptMultipart(scope, ONE_CLICK_MULTIPART, (parsed) => parsed.fields);
    scope.post(
      `${LINK_PATHS.unsubscribe}/:token`,
      {
        // mail providers post it from their own servers, with whatever headers they send
        config: { rateLimit: perClientLimit, crossSite: true },
        schema: {
          summary:
            'One-click unsubscribe (RFC 8058): POST List-Unsubscribe=One-Click; 200, no redirect; idempotent',
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
          params: TokenParams,
          body: OneClickBody,
          response: htmlResponses,
        },
      },
      async (request, reply) => {
        if (request.body?.['List-Unsubscribe'] !== 'One-Click') {
          return page(reply, 400, 'message', {
            title: 'Bad Request',
            message: 'List-Unsubscribe: the body must be List-Unsubscribe=One-Click',
          });
        }
        const result = await subscribers.unsubscribe(request.params.token);
        if (!result.ok) return invalidLink(reply);
        // the way back is one button, the same as on the page they came from
        return page(reply, 200, 'unsubscribe', {
          email: result.subscriber.email,
          alreadyUnsubscribed: true,
          resubscribeUrl: resubscribeUrl(result.subscriber),
        });
      },
    );
  });
}
