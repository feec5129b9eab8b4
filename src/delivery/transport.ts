import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config } from '../config.ts';
import type { OutgoingMail, RawMail, SendableMail } from '../mail-queue/mail.ts';
import type { DkimSigner } from './dkim.ts';

interface SendResult {
  messageId: string;
  response: string;
}

/** What is known of the relay: from the last message sent or refused, or an explicit check. */
export interface RelayStatus {
  state: 'ok' | 'failing' | 'unchecked' | 'outbox';
  checkedAt: Date | null;
  detail?: string;
}

export interface MailTransport {
  /** Where mail goes, for logs. */
  description: string;
  /** Messages it sends at once (SMTP: one per pooled connection); more would wait inside it. */
  concurrency: number;
  /** A mail to compose (and sign, with DKIM configured), or one already written and signed. */
  send(mail: SendableMail): Promise<SendResult>;
  /** The relay as last seen; a check (SMTP EHLO and AUTH, no mail) when nothing was seen for `maxAgeMs`. */
  relayStatus(maxAgeMs: number): Promise<RelayStatus>;
  close(): void;
}

/**
 * Mail this process could not write where it keeps it (a full disk, no permission): Paperboy's
 * own failure, never the subscriber's nor the relay's. The sender hands the delivery back and
 * stops claiming until the fault clears.
 */
export class LocalFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'LocalFault';
  }
}

/**
 * Writes a file whole or not at all: to `partial` first, renamed into place once every byte is
 * written, so a full disk leaves no truncated mail behind (the partial file is removed).
 */
function writeWhole(file: string, partial: string, bytes: Buffer): void {
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    const { code, message } = error as NodeJS.ErrnoException;
    throw new LocalFault(code ?? 'EIO', `could not write ${file}: ${message}`, { cause: error });
  }
}

/** How long a relay check may take before it counts as failing. */
const RELAY_CHECK_TIMEOUT_MS = 5000;

export function outboxDir(config: Config): string {
  return path.join(config.dataDir, 'outbox');
}

const fileSafe = (messageId: string) => messageId.replace(/[^A-Za-z0-9.-]/g, '_');

/** The outbox file of a mail: sorted by when it was written, named after its Message-ID. */
function outboxFileName(messageId: string, at = new Date()): string {
  return `${at.toISOString().replace(/[:.]/g, '-')}-${fileSafe(messageId)}.eml`;
}

/** Where a mail is written before it is renamed into the outbox: a dot name the listing skips. */
export function outboxPartialName(messageId: string): string {
  return `.${fileSafe(messageId)}.part`;
}

/**
 * A mail as the bytes the relay gets, DKIM-signed (dkim.ts, with oversigning), and its envelope.
 * Nodemailer's MailComposer builds the MIME; the transport then sends it as a raw message.
 */
async function signedMessage(mail: OutgoingMail, mailFrom: string, signer: DkimSigner): Promise<RawMail> {
  const node = new MailComposer({ from: mailFrom, ...mail }).compile();
  const envelope = node.getEnvelope();
  const signed = signer.sign(await node.build());
  return {
    write: () => [signed],
    envelope: { from: envelope.from || mailFrom, to: envelope.to },
    messageId: mail.messageId,
  };
}

/** A written mail's bytes as a stream, written when Nodemailer first reads it (RawMail.write). */
function bytesWhenRead(mail: RawMail): Readable {
  return new Readable({
    read() {
      try {
        for (const chunk of mail.write()) this.push(chunk);
        this.push(null);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
  });
}

/**
 * Nodemailer's message options for a mail: a written one goes as its bytes, with its envelope
 * (Nodemailer still dot-stuffs it and picks SMTPUTF8 from the envelope); an ordinary one is
 * composed, and signed when DKIM is configured.
 */
async function messageOptions(mail: SendableMail, mailFrom: string, signer: DkimSigner | undefined) {
  const raw = 'write' in mail ? mail : signer ? await signedMessage(mail, mailFrom, signer) : undefined;
  // the Message-ID too: without it Nodemailer makes a random one for its own records (unused, not cheap)
  if (raw) return { raw: bytesWhenRead(raw), envelope: raw.envelope, messageId: raw.messageId };
  return { from: mailFrom, ...mail };
}

/**
 * SMTP_URL → Nodemailer's pooled SMTP transport; otherwise the local outbox, one .eml file
 * per message under DATA_DIR/outbox, shown at /outbox. `signer`: DKIM for the mails this
 * transport composes (digests come signed from digest-message.ts with the same signer).
 */
export function createMailTransport(config: Config, signer?: DkimSigner): MailTransport {
  if (config.smtpUrl) {
    const transporter = nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      maxConnections: config.smtpMaxConnections,
      maxMessages: config.smtpMaxMessages,
      // A message whose connection drops fails back to the ledger, which decides on a retry;
      // the pool must never resend it on its own: Nodemailer's pool requeues such a message
      // by default, and a relay that had accepted it before the drop would get it twice.
      maxRequeues: 0,
      // no rateLimit here: it would hold per process; SMTP_RATE_PER_SECOND is the sender's pacer.ts
    });
    let status: RelayStatus = { state: 'unchecked', checkedAt: null };
    const seen = (state: 'ok' | 'failing', detail?: string) => {
      status = { state, checkedAt: new Date(), ...(detail ? { detail } : {}) };
    };
    return {
      description: `SMTP ${new URL(config.smtpUrl).host}`,
      concurrency: config.smtpMaxConnections,
      async send(mail) {
        try {
          const info = await transporter.sendMail(await messageOptions(mail, config.mailFrom, signer));
          seen('ok');
          return { messageId: mail.messageId, response: info.response };
        } catch (error) {
          // a refused recipient is the address's fault, not the relay's
          const { responseCode, message } = error as { responseCode?: number; message?: string };
          if (!(responseCode && responseCode >= 500)) seen('failing', message);
          throw error;
        }
      },
      async relayStatus(maxAgeMs) {
        if (status.checkedAt && Date.now() - status.checkedAt.getTime() < maxAgeMs) return status;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in 5 s')), RELAY_CHECK_TIMEOUT_MS);
        });
        try {
          await Promise.race([transporter.verify(), timeout]);
          seen('ok');
        } catch (error) {
          seen('failing', (error as Error).message);
        } finally {
          clearTimeout(timer);
        }
        return status;
      },
      close: () => transporter.close(),
    };
  }

  const dir = outboxDir(config);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    description: `local outbox ${dir}`,
    // files are written synchronously: one mail at a time loses nothing
    concurrency: 1,
    async send(mail) {
      const info = await transporter.sendMail(await messageOptions(mail, config.mailFrom, signer));
      const name = outboxFileName(mail.messageId);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        throw new LocalFault(code ?? 'EIO', `could not make ${dir}: ${message}`, { cause: error });
      }
      writeWhole(
        path.join(dir, name),
        path.join(dir, outboxPartialName(mail.messageId)),
        info.message as Buffer,
      );
      return { messageId: mail.messageId, response: `written to ${name}` };
    },
    relayStatus: async () => ({ state: 'outbox', checkedAt: null, detail: `no relay: mail goes to ${dir}` }),
    close: () => transporter.close(),
  };
}
