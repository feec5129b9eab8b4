/**
 * The wire limit over the transport's settings, in one run: one written digest (from its MIME
 * skeleton, as the sender writes it) sent again and again through Nodemailer's pooled transport
 * to a sink in another process, for each number of connections (SMTP_MAX_CONNECTIONS), bound on
 * messages in flight (SENDER_MAX_IN_FLIGHT) and messages per connection (SMTP_MAX_MESSAGES).
 * Says which setting is fastest and where Paperboy's defaults stand against it.
 *
 *   npm run bench:wire-sweep [-- --messages 3000 --connections 1,2,5,10]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) the digest's edition is built on a fresh
 * database on that server, otherwise on the embedded one.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createScratchDatabase } from '../src/db/scratch-database.ts';
import { DigestMessages } from '../src/delivery/digest-message.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createServices } from '../src/services.ts';
import { type Figure, reportFigures } from './figures.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '1,2,5,10' },
  },
});
const MESSAGES = Number(values.messages);
const CONNECTIONS = values.connections.split(',').map(Number);
const IN_FLIGHT = [100, 500];
/** 0 stands for no limit: one connection carries every message. */
const PER_CONNECTION = [100, 1000, 0];

async function startSink(): Promise<{ url: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./smtp-sink.ts', import.meta.url).pathname],
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
  return { url: `smtp://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function wire(
  sinkUrl: string,
  raw: Buffer,
  setting: { connections: number; inFlight: number; perConnection: number },
): Promise<number> {
  const transport = nodemailer.createTransport({
    url: sinkUrl,
    pool: true,
    maxConnections: setting.connections,
    maxMessages: setting.perConnection || Number.POSITIVE_INFINITY,
    maxRequeues: 0,
  });
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < MESSAGES) {
      const i = next++;
      await transport.sendMail({
        raw,
        envelope: { from: 'bench@example.org', to: [`reader${i}@example.org`] },
        messageId: '<delivery-1.digest@paperboy.example.org>',
      });
    }
  };
  await Promise.all(Array.from({ length: setting.inFlight }, lane));
  transport.close();
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function main() {
  const sink = await startSink();
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const config = loadConfig({
    DATABASE_URL: db.url,
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    PUBLIC_URL: 'https://paperboy.example.org',
    DATA_DIR: '/tmp/paperboy-bench',
    LOG_LEVEL: 'warn',
  });
  const services = await createServices(config, pino({ level: 'warn' }));
  try {
    await ingestDays(services.db.pool, new FileSource(SAMPLE_DIR), ['2026-03-12'], services.log);
    const { edition } = await services.editions.build('daily', '2026-03-12');
    const reader = {
      id: '00000000-0000-4000-8000-000000000001',
      linkNonce: '00000000-0000-4000-8000-000000000002',
      confirmNonce: '00000000-0000-4000-8000-000000000003',
    };
    const links = services.links.forDigest(reader);
    const selection = edition.papers.slice(0, 10).map((paper, i) => ({
      paper,
      rank: i + 1,
      matched: undefined,
      reason: { kind: 'trending' as const },
    }));
    const parts = await services.renderer.renderParts(edition, selection, {
      email: 'reader1@example.org',
      ...links,
    });
    const { raw } = await new DigestMessages(config.mailFrom).compose(parts, {
      to: 'reader1@example.org',
      messageId: '<delivery-1.digest@paperboy.example.org>',
      subject: parts.subject,
      listUnsubscribe: `<${links.unsubscribeUrl}>`,
      listHeaders: { 'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.example.org>' },
    });
    console.log(
      `${MESSAGES} messages of ${(raw.length / 1024).toFixed(1)} KB per setting, to a sink in another process`,
    );
    const results: Array<{ connections: number; inFlight: number; perConnection: number; rate: number }> = [];
    console.log(
      '\n| connections | in flight | messages per connection | messages/s |\n|---:|---:|---:|---:|',
    );
    for (const connections of CONNECTIONS)
      for (const inFlight of IN_FLIGHT)
        for (const perConnection of PER_CONNECTION) {
          const rate = await wire(sink.url, raw, { connections, inFlight, perConnection });
          results.push({ connections, inFlight, perConnection, rate });
          console.log(
            `| ${connections} | ${inFlight} | ${perConnection || 'no limit'} | ${rate.toFixed(0)} |`,
          );
        }
    const best = results.reduce((a, b) => (b.rate > a.rate ? b : a));
    const defaults = results.find(
      (r) =>
        r.connections === config.smtpMaxConnections &&
        r.inFlight === config.senderMaxInFlight &&
        r.perConnection === config.smtpMaxMessages,
    );
    const describe = (r: typeof best) =>
      `${r.connections} connections, ${r.inFlight} in flight, ${r.perConnection || 'no limit'} per connection`;
    console.log(`\nfastest: ${describe(best)}: ${best.rate.toFixed(0)} messages/s`);
    if (defaults)
      console.log(
        `Paperboy's defaults (${describe(defaults)}): ${defaults.rate.toFixed(0)} messages/s = ${(defaults.rate / best.rate).toFixed(2)} of the fastest`,
      );
    const figures: Figure[] = [
      {
        scenario: 'wire sweep',
        name: `fastest setting: ${describe(best)}`,
        value: best.rate,
        unit: '/s',
      },
    ];
    if (defaults)
      figures.push({
        scenario: 'wire sweep',
        name: `Paperboy's defaults: ${describe(defaults)}`,
        value: defaults.rate,
        unit: '/s',
        baseline: { name: 'fastest setting', value: best.rate },
      });
    reportFigures(figures);
  } finally {
    await services.close();
    await db.drop();
    sink.stop();
  }
}

await main();
