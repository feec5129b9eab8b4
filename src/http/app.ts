import type { IncomingMessage, ServerResponse } from 'node:http';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawServerDefault,
} from 'fastify';
import type { Config } from '../config.ts';
import { createServices, type Services } from '../services.ts';
import { LINK_PATHS } from '../subscribers/links.ts';
import { requireBearer } from './bearer.ts';
import { handleError, wantsHtml } from './error-handler.ts';
import { createMetrics } from './metrics.ts';
import { refuseNulCharacters } from './nul-guard.ts';
import { sendPage } from './page.ts';
import { logRequests } from './request-log.ts';
import { adminRoutes } from './routes/admin/index.ts';
import { archiveRoutes } from './routes/archive.ts';
import { consoleRoutes } from './routes/console/index.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { healthRoutes } from './routes/health.ts';
import { linkRoutes } from './routes/links/index.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { pageRoutes } from './routes/pages.ts';
import { readerFeedRoutes } from './routes/reader-feed.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { refuseCrossSitePosts } from './same-origin.ts';
import { ErrorResponse } from './schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The routes whose address carries a link token (`/confirm/:token` and its kin). */
const TOKEN_ROUTE = new RegExp(`^(${Object.values(LINK_PATHS).join('|')})/:token`);

/**
 * TRUST_PROXY as Fastify takes it. A number of hops becomes proxy-addr's function (the `hops`
 * entries nearest the server are proxies; the next one is the client): Fastify itself trusts no
 * entry for a plain number, since a client reaching the server directly could then choose its own
 * address; the README says to use the count only where every request comes through the proxies.
 */
function trustedProxies(
  trust: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * The whole HTTP app, used by the server, the CLI and the tests. Given no services it opens
 * its own (database, migrations, mail transport) and closes them with the app.
 */
export async function buildApp(config: Config, provided?: Services): Promise<App> {
  const services = provided ?? (await createServices(config));
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    // requests are logged by logRequests() below, with the tokens in their URLs redacted
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustedProxies(config.trustProxy),
    bodyLimit: 64 * 1024,
    ajv: {
      customOptions: { coerceTypes: true, removeAdditional: true, useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('services', services);
  if (!provided) app.addHook('onClose', () => services.close());

  app.addSchema(ErrorResponse);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { 'form-action': ["'self'"], 'img-src': ["'self'", 'data:', 'https:'] },
    },
  });
  await app.register(formbody);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Paperboy',
        description: 'Email digests of trending research papers',
        version: '0.1.0',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // in production /docs is for operators (DOCS_PUBLIC): with ADMIN_TOKEN, or not at all
  const operatorsOnly = config.adminToken ? requireBearer(config.adminToken, 'ADMIN_TOKEN') : undefined;
  if (config.docsPublic) await app.register(swaggerUi, { routePrefix: '/docs' });
  else if (operatorsOnly)
    await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: operatorsOnly } });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    if (wantsHtml(request))
      return sendPage(reply, 404, 'message', {
        title: 'Page not found',
        message:
          'There is nothing at this address. If you followed a link from a mail, it may have been cut short.',
        link: { href: '/', text: `${config.siteName} home` },
      });
    return reply
      .status(404)
      .send({ statusCode: 404, error: 'Not Found', message: `No ${request.method} route at this address` });
  });
  // the id a 5xx shows is the one in the logs: echo it on every answer
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // a page behind a link token shows the reader's address and acts for them: no cache keeps it
    if (TOKEN_ROUTE.test(request.routeOptions.url ?? '')) reply.header('cache-control', 'no-store');
  });
  logRequests(app);
  refuseCrossSitePosts(app, config.publicUrl);
  refuseNulCharacters(app);
  const metrics = createMetrics(services);
  app.addHook('onResponse', metrics.observeRequest);
  app.addHook('onClose', async () => metrics.detach());

  await app.register(healthRoutes);
  await app.register(metricsRoutes, { metrics });
  await app.register(pageRoutes);
  await app.register(subscriptionRoutes);
  await app.register(linkRoutes);
  await app.register(feedbackRoutes);
  await app.register(archiveRoutes);
  await app.register(readerFeedRoutes);
  await app.register(adminRoutes, { prefix: '/api/admin' });
  await app.register(consoleRoutes, { prefix: '/admin' });
  await app.register(webhookRoutes, { prefix: '/api/webhooks' });
  if (config.outboxEnabled && !config.smtpUrl) await app.register(outboxRoutes);
  return app;
}
