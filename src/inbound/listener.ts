import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { InboundRecipient } from '../delivery/inbound-addresses.ts';
import { acceptsRecipient, handleInboundMail, type InboundDeps } from './inbound-mail.ts';

/** Bounces quote the mail they are about; ours are ~40 KB. Larger mail is refused at DATA. */
const MAX_INBOUND_BYTES = 2 * 1024 * 1024;

/** An SMTP error answered to the client: smtp-server sends responseCode and message. */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export interface InboundListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The SMTP listener for mail that comes back: DSNs to a delivery's return path and mail to a
 * List-Unsubscribe mailto. It takes mail for our addresses only (others: 550 at RCPT TO), never
 * relays, and answers 451 when the database is away, so the sending MTA keeps the mail and
 * tries again. Plain SMTP without AUTH or STARTTLS, like an MX taking bounces: nothing secret
 * travels in a bounce, and each address carries its own MAC.
 */
export async function startInboundListener(
  deps: InboundDeps,
  options: { host: string; port: number },
): Promise<InboundListener> {
  const accepted = new WeakMap<SMTPServerSession, InboundRecipient[]>();
  const server = new SMTPServer({
    name: deps.addresses.domain,
    banner: 'Paperboy inbound: bounces and unsubscribe requests',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_INBOUND_BYTES,
    logger: false,
    onRcptTo(address: SMTPServerAddress, session, callback) {
      acceptsRecipient(deps, address.address).then(
        (recipient) => {
          if (!recipient) return callback(smtpError(550, '5.1.1 No such mailbox here'));
          accepted.set(session, [...(accepted.get(session) ?? []), recipient]);
          callback();
        },
        (error: unknown) => {
          deps.log.warn({ err: error }, 'inbound: could not check a recipient');
          callback(smtpError(451, '4.3.0 Try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(smtpError(552, '5.3.4 Message too big'));
        const raw = Buffer.concat(chunks);
        const recipients = accepted.get(session) ?? [];
        accepted.delete(session);
        handleAll(deps, recipients, raw).then(
          () => callback(),
          (error: unknown) => {
            deps.log.warn({ err: error }, 'inbound: could not apply a mail; the sender will retry');
            callback(smtpError(451, '4.3.0 Try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error) => deps.log.warn({ err: error }, 'inbound: SMTP session error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  deps.log.info(`inbound SMTP listening on ${options.host}:${port} for mail to ${deps.addresses.domain}`);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function handleAll(deps: InboundDeps, recipients: InboundRecipient[], raw: Buffer): Promise<void> {
  for (const recipient of recipients) {
    const outcome = await handleInboundMail(deps, recipient, raw);
    // which delivery or subscriber, never the address: it carries a MAC
    const about =
      recipient.kind === 'bounce'
        ? { deliveryId: recipient.deliveryId }
        : { subscriberId: recipient.subscriberId };
    deps.log.info({ ...about, outcome }, `inbound ${recipient.kind}: ${outcome}`);
  }
}
