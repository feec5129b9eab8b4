import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendPage } from '../page.ts';
import { preferenceFormData } from '../preference-form.ts';
import { HtmlPage } from '../schemas.ts';

export const pageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { summary: 'Home page with the subscription form', response: { 200: HtmlPage } } },
    async (_request, reply) => sendPage(reply, 200, 'home', { form: preferenceFormData() }),
  );
};
