import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { type Config, loadConfig } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { DigestMessages } from './delivery/digest-message.ts';
import { DkimSigner } from './delivery/dkim.ts';
import { createMailBuilder } from './delivery/mail-for-delivery.ts';
import { SendPacer } from './delivery/pacer.ts';
import { Sender } from './delivery/sender.ts';
import { createMailTransport, type MailTransport } from './delivery/transport.ts';
import { Editions } from './digest/editions.ts';
import { DigestRenderer } from './digest/render.ts';
import { AddressHasher } from './subscribers/address-hash.ts';
import { feedbackOf } from './subscribers/feedback.ts';
import { SubscriberLinks } from './subscribers/links.ts';
import { SubscriberService } from './subscribers/service.ts';
import { LinkTokens } from './subscribers/tokens.ts';

/**
 * The composition root: one database pool, one mail transport and the rooms built on them,
 * shared by the HTTP app, the worker and the CLI of a process. It owns what it builds:
 * close() stops the sender, then closes the transport and the pool.
 */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  tokens: LinkTokens;
  addressHasher: AddressHasher;
  links: SubscriberLinks;
  subscribers: SubscriberService;
  transport: MailTransport;
  sender: Sender;
  editions: Editions;
  renderer: DigestRenderer;
  close(): Promise<void>;
}

/**
 * Logs to stdout, or to another file descriptor (2 for commands whose stdout is their answer):
 * JSON lines for log collectors, or readable lines (pino-pretty) when a person watches a terminal.
 */
export function createLogger(config: Config, fd = 1): Logger {
  // pino-pretty is loaded only for a terminal: a service logging JSON lines never needs it
  const pretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty');
  const options = { level: config.logLevel, base: { pid: process.pid } };
  const terminal = (fd === 1 ? process.stdout : process.stderr).isTTY;
  if (terminal)
    return pino(
      options,
      pretty()({ destination: fd, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
    );
  return pino(options, pino.destination({ fd, sync: fd === 2 }));
}

export async function createServices(config: Config, log: Logger = createLogger(config)): Promise<Services> {
  const db = await openDatabase(config);
  try {
    const applied = await migrate(db.pool);
    if (applied.length > 0) log.info({ applied }, 'database migrated');
  } catch (error) {
    await db.close();
    throw error;
  }
  const tokens = new LinkTokens(config.secretKey, config.secretKeyPrevious);
  const links = new SubscriberLinks(config.publicUrl, tokens);
  const addressHasher = new AddressHasher(config.secretKey);
  const subscribers = new SubscriberService(db.pool, tokens, addressHasher, db.namedStatements);
  const signer = config.dkim ? new DkimSigner(config.dkim) : undefined;
  const transport = createMailTransport(config, signer);
  const editions = new Editions(db.pool);
  const renderer = new DigestRenderer(config.publicUrl, config.renderCacheSize);
  const sender = new Sender({
    pool: db.pool,
    transport,
    log,
    buildMail: createMailBuilder({
      publicUrl: config.publicUrl,
      listUnsubscribeMailto: config.listUnsubscribeMailto,
      links,
      findRequest: (id) => subscribers.findRequest(id),
      feedbackOf: (id) => feedbackOf(db.pool, id),
      editions,
      renderer,
      messages: new DigestMessages(config.mailFrom, signer),
    }),
    batchSize: config.senderBatchSize,
    maxInFlight: config.senderMaxInFlight,
    leaseSeconds: config.deliveryLeaseSeconds,
    pollMs: config.senderPollMs,
    failurePolicy: {
      maxAttempts: config.deliveryMaxAttempts,
      retryBackoff: { base: config.deliveryRetryBaseSeconds, cap: config.deliveryRetryMaxSeconds },
    },
    softBounceLimit: config.softBounceLimit,
    messageIdDomain: new URL(config.publicUrl).hostname,
    pacer: config.smtpRatePerSecond > 0 ? new SendPacer(db.pool, config.smtpRatePerSecond) : undefined,
  });
  return {
    config,
    log,
    db,
    tokens,
    addressHasher,
    links,
    subscribers,
    transport,
    sender,
    editions,
    renderer,
    async close() {
      await sender.stop();
      transport.close();
      await db.close();
    },
  };
}

/**
 * For one-off commands: services from the environment, logs on stderr (stdout is the
 * command's answer), closed when fn is done.
 */
export async function withServices<T>(fn: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const services = await createServices(config, createLogger(config, 2));
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}
