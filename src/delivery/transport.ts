import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config } from '../config.ts';
import type { OutgoingMail } from '../outbox/mail.ts';
import { DkimSigner } from './dkim.ts';

interface SendResult {
  messageId: string;
  response: string;
}

export interface MailTransport {
  /** Where mail goes, for logs. */
  description: string;
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): void;
}

export function outboxDir(config: Config): string {
  return path.join(config.dataDir, 'outbox');
}

/**
 * A mail as the bytes the relay gets, DKIM-signed (dkim.ts, with oversigning), and its envelope.
 * Nodemailer's MailComposer builds the MIME; the transport then sends it as a raw message.
 */
async function signedMessage(
  mail: OutgoingMail,
  mailFrom: string,
  signer: DkimSigner,
): Promise<{ raw: Buffer; envelope: { from: string | false; to: string[] } }> {
  const node = new MailComposer({ from: mailFrom, ...mail }).compile();
  const envelope = node.getEnvelope();
  return { raw: signer.sign(await node.build()), envelope: { from: envelope.from, to: envelope.to } };
}

/**
 * SMTP_URL → Nodemailer's pooled SMTP transport; otherwise the local outbox, one .eml file
 * per message under DATA_DIR/outbox, shown at /outbox.
 */
export function createMailTransport(config: Config): MailTransport {
  const signer = config.dkim ? new DkimSigner(config.dkim) : undefined;
  if (config.smtpUrl) {
    const transporter = nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      maxConnections: config.smtpMaxConnections,
      // A message whose connection drops fails back to the ledger, which decides on a retry;
      // the pool must never resend it on its own: Nodemailer's pool requeues such a message
      // by default, and a relay that had accepted it before the drop would get it twice.
      maxRequeues: 0,
      // no rateLimit here: it would hold per process; SMTP_RATE_PER_SECOND is the sender's pacer.ts
    });
    return {
      description: `SMTP ${new URL(config.smtpUrl).host}`,
      async send(mail) {
        const info = signer
          ? await transporter.sendMail(await signedMessage(mail, config.mailFrom, signer))
          : await transporter.sendMail({ from: config.mailFrom, ...mail });
        return { messageId: mail.messageId, response: info.response };
      },
      close: () => transporter.close(),
    };
  }

  const dir = outboxDir(config);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    description: `local outbox ${dir}`,
    async send(mail) {
      const info = signer
        ? await transporter.sendMail(await signedMessage(mail, config.mailFrom, signer))
        : await transporter.sendMail({ from: config.mailFrom, ...mail });
      mkdirSync(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId.replace(/[^A-Za-z0-9.-]/g, '_')}.eml`;
      writeFileSync(path.join(dir, name), info.message as Buffer);
      return { messageId: mail.messageId, response: `written to ${name}` };
    },
    close: () => transporter.close(),
  };
}
