import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { OutgoingMail } from '../outbox/mail.ts';

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

// Nodemailer's default list, plus List-Unsubscribe-Post: a one-click header outside the
// signature could be added by anyone on the way, so receivers want it signed (RFC 8058).
const DKIM_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-ID',
  'Content-Description',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
].join(':');

function dkimOptions(dkim: NonNullable<Config['dkim']>) {
  return { ...dkim, headerFieldNames: DKIM_HEADERS };
}

/**
 * SMTP_URL → Nodemailer's pooled SMTP transport; otherwise the local outbox, one .eml file
 * per message under DATA_DIR/outbox, shown at /outbox.
 */
export function createMailTransport(config: Config): MailTransport {
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
      ...(config.dkim ? { dkim: dkimOptions(config.dkim) } : {}),
    });
    return {
      description: `SMTP ${new URL(config.smtpUrl).host}`,
      async send(mail) {
        const info = await transporter.sendMail({ from: config.mailFrom, ...mail });
        return { messageId: info.messageId, response: info.response };
      },
      close: () => transporter.close(),
    };
  }

  const dir = outboxDir(config);
  const transporter = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
    ...(config.dkim ? { dkim: dkimOptions(config.dkim) } : {}),
  });
  return {
    description: `local outbox ${dir}`,
    async send(mail) {
      const info = await transporter.sendMail({ from: config.mailFrom, ...mail });
      mkdirSync(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.messageId.replace(/[^A-Za-z0-9.-]/g, '_')}.eml`;
      writeFileSync(path.join(dir, name), info.message as Buffer);
      return { messageId: info.messageId, response: `written to ${name}` };
    },
    close: () => transporter.close(),
  };
}
