import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerConfirmRoutes } from './confirm.ts';
import { linkKit } from './kit.ts';
import { registerLearnedRoutes } from './learned.ts';
import { registerPreferenceRoutes } from './preferences.ts';
import { registerReaderDataRoutes } from './reader-data.ts';
import { registerUnsubscribeRoutes } from './unsubscribe.ts';

/** The pages behind the links in mail: confirm, unsubscribe, preferences; one file per concern. */
export const linkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const kit = linkKit(app);
  await registerConfirmRoutes(app, kit);
  await registerUnsubscribeRoutes(app, kit);
  await registerPreferenceRoutes(app, kit);
  await registerReaderDataRoutes(app, kit);
  await registerLearnedRoutes(app, kit);
};
