/**
 * What the sending benchmarks share: the SMTP sink in a process of its own (smtp-sink.ts), the
 * same message sent again and again through Nodemailer's pooled transport, and a typical digest
 * written as the sender writes it.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { type DigestHeaders, DigestMessages } from '../../src/delivery/digest-message.ts';
import type { DkimSigner } from '../../src/delivery/dkim.ts';
import type { Edition } from '../../src/digest/editions.ts';
import { startProgress } from '../../src/progress.ts';
import type { Services } from '../../src/services.ts';

export interface Sink {
  url: string;
  pid: number;
  stop(): void;
}

/** How the sink plays a real relay (smtp-sink.ts): a rate it admits, replies that come late. */
export interface SinkOptions {
  admitPerSecond?: number;
  replyDelayMs?: number;
}

/** Starts the sink, which accepts every message and throws it away, and waits for its port. */
export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./smtp-sink.ts', import.meta.url).pathname,
      '--admit-per-second',
      String(options.admitPerSecond ?? 0),
      '--reply-delay-ms',
      String(options.replyDelayMs ?? 0),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  return { url: `smtp://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') };
}

export interface PoolSettings {
  connections: number;
  /** Messages per connection; 0 for no limit. */
  perConnection: number;
  /** Messages sent at once, as the sender's SENDER_MAX_IN_FLIGHT bounds them. */
  inFlight: number;
}

/**
 * Sends `count` messages (message(i) the i-th) through a pooled transport with these settings,
 * with a progress line when `label` is given; returns messages per second.
 */
export async function sendMany(
  sinkUrl: string,
  count: number,
  settings: PoolSettings,
  message: (i: number) => Promise<SendMailOptions> | SendMailOptions,
  label?: string,
): Promise<number> {
  const transport = nodemailer.createTransport({
    url: sinkUrl,
    pool: true,
    maxConnections: settings.connections,
    maxMessages: settings.perConnection || Number.POSITIVE_INFINITY,
    maxRequeues: 0,
  });
  const started = performance.now();
  const progress = label ? startProgress(label, count) : undefined;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail(await message(i));
      progress?.increment();
    }
  };
  await Promise.all(Array.from({ length: settings.inFlight }, lane));
  progress?.stop();
  transport.close();
  return count / ((performance.now() - started) / 1000);
}

/**
 * The old limit, "raw" in the issue that set the targets: Nodemailer composing the same HTML and
 * text into MIME for every message (and signing it, given a signer), as Paperboy once sent.
 */
export function composedEachTime(html: string, text: string, mailFrom: string, signer?: DkimSigner) {
  return async (i: number): Promise<SendMailOptions> => {
    const mail = { from: mailFrom, to: `reader${i}@example.org`, subject: 'bench', html, text };
    if (!signer) return mail;
    const node = new MailComposer(mail).compile();
    return {
      raw: signer.sign(await node.build()),
      envelope: node.getEnvelope() as SendMailOptions['envelope'],
    };
  };
}

/** The wire: the same written bytes every time, only the envelope's recipient changing. */
export function prebuilt(raw: Buffer) {
  return (i: number): SendMailOptions => ({
    raw,
    envelope: { from: 'bench@example.org', to: [`reader${i}@example.org`] },
    // given, or Nodemailer makes a random one for every message
    messageId: '<delivery-1.digest@paperboy.example.org>',
  });
}

/**
 * A typical digest of the edition, its first 10 papers with a reader's real links ("more / less
 * like this" too): as HTML and text, and written from its skeleton as the sender writes it.
 */
export async function sampleDigest(
  services: Services,
  edition: Edition,
  listHeaders: DigestHeaders['listHeaders'],
) {
  const links = services.links.forDigest({
    id: '00000000-0000-4000-8000-000000000001',
    linkNonce: '00000000-0000-4000-8000-000000000002',
    confirmNonce: '00000000-0000-4000-8000-000000000003',
  });
  const selection = edition.papers.slice(0, 10).map((paper, i) => ({
    paper,
    rank: i + 1,
    matched: undefined,
    reason: { kind: 'trending' as const },
  }));
  const recipient = { email: 'reader1@example.org', ...links };
  const rendered = await services.renderer.render(edition, selection, recipient);
  const parts = (await services.renderer.writer(edition, selection, recipient)).parts();
  const written = await new DigestMessages(services.config.mailFrom).compose(parts, {
    to: recipient.email,
    messageId: '<delivery-1.digest@paperboy.example.org>',
    subject: parts.subject,
    listUnsubscribe: `<${links.unsubscribeUrl}>`,
    listHeaders,
  });
  return { html: rendered.html, text: rendered.text, raw: Buffer.concat(written.write()) };
}
