import { Type } from 'typebox';
import { erase, exportSubscriber } from '../../../admin/operator.ts';
import { LINK_PATHS } from '../../../subscribers/links.ts';
import { sendPage as page } from '../../page.ts';
import { errorResponses, HtmlPage, TokenParams } from '../../schemas.ts';

import { invalidLink, type LinkApp, type LinkKit } from './kit.ts';

/** A reader's own data: download it, or delete it. */
export async function registerReaderDataRoutes(app: LinkApp, kit: LinkKit): Promise<void> {
  const { config, subscribers, perClientLimit, htmlResponses } = kit;
  app.get(
    `${LINK_PATHS.preferences}/:token/data`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary: 'Download everything Paperboy stores about the subscriber of this link, as JSON',
        params: TokenParams,
        response: { 404: HtmlPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      const record = await exportSubscriber(app.services, check.subscriber.id);
      if (!record) return invalidLink(reply);
      return reply
        .header('content-disposition', 'attachment; filename="paperboy-my-data.json"')
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(record, null, 2));
    },
  );

  app.post(
    `${LINK_PATHS.preferences}/:token/delete`,
    {
      config: { rateLimit: perClientLimit },
      schema: {
        summary:
          'Delete the subscriber of this link at once: address, settings, history and every mail sent to them',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: TokenParams,
        body: Type.Object({ confirm: Type.Literal('yes', { description: 'the checkbox that says so' }) }),
        response: htmlResponses,
      },
    },
    async (request, reply) => {
      const check = await subscribers.checkLink(request.params.token, 'preferences');
      if (!check.ok) return invalidLink(reply);
      await erase(app.services, check.subscriber.id);
      return page(reply, 200, 'message', {
        title: 'Your data is deleted',
        message: `${config.siteName} no longer has your address, your settings or the mail it sent you, and sends you nothing more. You are welcome to subscribe again at any time.`,
        link: { href: '/', text: `${config.siteName} home` },
      });
    },
  );
}
