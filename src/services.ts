import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { type Config, loadConfig } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { DigestMessages } from './delivery/digest-message.ts';
import { DkimSigner } from './delivery/dkim.ts';
import { InboundAddresses } from './delivery/inbound-addresses.ts';
import { createMailBuilder } from './delivery/mail-for-delivery.ts';
import { SendPacer } from './delivery/pacer.ts';
import { Sender } from './delivery/sender.ts';
import { deliveryStore } from './delivery/store.ts';
import { createMailTransport, type MailTransport } from './delivery/transport.ts';
import { Editions } from './digest/editions.ts';
import { DigestRenderer } from './digest/render.ts';
import { publicUrlMismatch } from './servers/public-url.ts';
import { AddressHasher } from './subscribers/address-hash.ts';
import { SubscriberLinks } from './subscribers/links.ts';
import { SubscriberService } from './subscribers/service.ts';
import { feedbackOf } from './subscribers/store.ts';
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
  /** With INBOUND_DOMAIN: the signed addresses mail comes back to (src/inbound/). */
  inbound: InboundAddresses | undefined;
  close(): Promise<void>;
}

/** What `logRequests` writes for each request; on a terminal they make one short line. */
const REQUEST_FIELDS = ['reqId', 'method', 'url', 'statusCode', 'ms'] as const;

/** `GET /digests/2026-03-10 200 4 ms` for a request, the message alone otherwise. */
function terminalMessage(log: Record<string, unknown>, messageKey: string): string {
  const message = String(log[messageKey] ?? '');
  if (log.method === undefined || log.url === undefined) return message;
  const status = log.statusCode === undefined ? '' : ` ${log.statusCode}`;
  const ms = log.ms === undefined ? '' : ` ${log.ms} ms`;
  return message === 'request'
    ? `${log.method} ${log.url}${status}${ms}`
    : `${message} (${log.method} ${log.url}${status})`;
}

/** How log lines read on a terminal: one line each, a request as method, path, status and time. */
export const TERMINAL_LOG_FORMAT = {
  ignore: `pid,hostname,${REQUEST_FIELDS.join(',')}`,
  translateTime: 'SYS:HH:MM:ss',
  singleLine: true,
  messageFormat: terminalMessage,
} satisfies PinoPretty.PrettyOptions;

/**
 * Logs to stdout, or to another file descriptor (2 for commands whose stdout is their answer):
 * JSON lines for log collectors, or readable lines (pino-pretty) when a person watches a terminal.
 */
export function createLogger(config: Config, fd = 1): Logger {
  // pino-pretty is loaded only for a terminal: a service logging JSON lines never needs it
  const pretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty');
  const options = { level: config.logLevel, base: { pid: process.pid } };
  const terminal = (fd === 1 ? process.stdout : process.stderr).isTTY;
  if (terminal) return pino(options, pretty()({ ...TERMINAL_LOG_FORMAT, destination: fd, sync: true }));
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
  const editions = new Editions(db.pool, { maxWaitHours: config.editionMaxWaitHours });
  const site = { name: config.siteName, footer: config.siteFooter };
  const renderer = new DigestRenderer(config.publicUrl, config.renderCacheSize, site);
  const inbound = config.inboundDomain
    ? new InboundAddresses(config.secretKey, config.inboundDomain)
    : undefined;
  const sender = new Sender({
    store: deliveryStore(db.pool),
    transport,
    log,
    buildMail: createMailBuilder({
      publicUrl: config.publicUrl,
      listUnsubscribeMailto: config.listUnsubscribeMailto,
      inbound,
      site,
      links,
      findRequest: (id) => subscribers.findRequest(id),
      feedbackOf: (id) => feedbackOf(db.pool, { subscriberId: id }),
      editions,
      renderer,
      messages: new DigestMessages(config.mailFrom, signer),
    }),
    batchSize: config.senderBatchSize,
    maxInFlight: config.senderMaxInFlight,
    leaseSeconds: config.deliveryLeaseSeconds,
    stopGraceMs: config.shutdownGraceSeconds * 1000,
    pollMs: config.senderPollMs,
    failurePolicy: {
      maxAttempts: config.deliveryMaxAttempts,
      retryBackoff: { base: config.deliveryRetryBaseSeconds, cap: config.deliveryRetryMaxSeconds },
    },
    softBounceLimit: config.softBounceLimit,
    messageIdDomain: new URL(config.publicUrl).hostname,
    // with a relay, always: it paces at SMTP_RATE_PER_SECOND, and slower while the relay throttles
    pacer: config.smtpUrl ? new SendPacer(db.pool, config.smtpRatePerSecond) : undefined,
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
    inbound,
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
    const mismatch = await publicUrlMismatch(services.db.pool, config.publicUrl);
    if (mismatch) services.log.warn(mismatch);
    return await fn(services);
  } finally {
    await services.close();
  }
}
