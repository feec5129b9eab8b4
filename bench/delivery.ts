/**
 * The delivery pipeline against the raw limit of the same SMTP path, in one run.
 *
 * An SMTP sink runs as a separate process. First the raw limit: Nodemailer's pooled transport
 * sending one rendered digest again and again over SMTP_MAX_CONNECTIONS connections, as fast
 * as the sink takes it. Then Paperboy's whole pipeline for the same number of subscribers over
 * the same connections: fan-out, claiming, personalising (50 keyword profiles; LEARNED of the
 * readers with answers of their own, so a ranking of their own), rendering, sending, and the
 * ledger updates. Worker memory (RSS) is sampled throughout, at two sizes.
 *
 *   npm run bench:delivery [-- --subscribers 50000 --small 10000 --learned 20000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { type DigestHeaders, DigestMessages } from '../src/delivery/digest-message.ts';
import { DkimSigner } from '../src/delivery/dkim.ts';
import type { Edition } from '../src/digest/editions.ts';
import { personalDigestWriter } from '../src/digest/personal-digest.ts';
import type { DigestParts } from '../src/digest/render.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createServices, type Services } from '../src/services.ts';
import { feedbackOf } from '../src/subscribers/store.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { postgresTicks, TICK_US, ticksOf } from './lib/cpu.ts';
import { reportFigures } from './lib/figures.ts';
import { addSubscribers, pipeline } from './lib/pipeline.ts';
import { addReaderAnswers } from './lib/reader-answers.ts';
import { composedEachTime, prebuilt, sampleDigest, sendMany, startSink } from './lib/sink.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '50000' },
    small: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '5' },
    learned: { type: 'string', default: '20000' },
    baseline: { type: 'string', default: '10000' },
    composed: { type: 'string', default: '2000' },
  },
});
/** Messages of each old, Nodemailer-built baseline (slow with DKIM: fewer than the pipeline's). */
const BASELINE = Number(values.baseline);
/** Readers whose messages are composed alone, to measure CPU per message. */
const COMPOSED = Number(values.composed);
const SMTP_MAX_MESSAGES = 100;
const MAIL_FROM = 'Paperboy <bench@example.org>';
const LIST_HEADERS = {
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.example.org>',
  'List-Archive': '<https://paperboy.example.org/digests>',
};
/** Readers with "more / less like this" answers of their own: each gets a ranking of their own. */
const LEARNED = Number(values.learned);
const LARGE = Number(values.subscribers);
const SMALL = Number(values.small);
const CONNECTIONS = Number(values.connections);

/** CPU per message (µs) of this worker, the sink and PostgreSQL over a run, from /proc ticks (10 ms). */
interface CpuPerMessage {
  worker: number;
  sink: number;
  postgres: number;
}
async function withCpu<T>(
  sinkPid: number,
  messages: number,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuPerMessage }> {
  const before = { worker: process.cpuUsage(), sink: ticksOf(sinkPid), postgres: postgresTicks() };
  const result = await fn();
  const worker = process.cpuUsage(before.worker);
  return {
    result,
    cpu: {
      worker: (worker.user + worker.system) / messages,
      sink: ((ticksOf(sinkPid) - before.sink) * TICK_US) / messages,
      postgres: ((postgresTicks() - before.postgres) * TICK_US) / messages,
    },
  };
}
const showCpu = (cpu: CpuPerMessage) =>
  `CPU per message: worker ${cpu.worker.toFixed(0)} µs, sink ${cpu.sink.toFixed(0)} µs, PostgreSQL ${cpu.postgres.toFixed(0)} µs`;

/** RSS sampled every 200 ms while fn runs. */
async function withMemory<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number; startMb: number }> {
  const mb = () => process.memoryUsage().rss / 1024 / 1024;
  const startMb = mb();
  let peakMb = startMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, mb());
  }, 200);
  try {
    return { result: await fn(), peakMb, startMb };
  } finally {
    clearInterval(timer);
  }
}

interface Reader {
  id: string;
  email: string;
  link_nonce: string;
  confirm_nonce: string;
  keywords: string[];
  keyword_mode: 'boost' | 'only';
  max_papers: number;
  learned_at: Date | null;
}

/**
 * CPU per message of writing a digest from its skeleton (fill, and fill + DKIM), for `count`
 * real readers of the edition, their digests' pieces made beforehand (rendering is apart).
 */
async function composeCost(services: Services, edition: Edition, signer: DkimSigner, count: number) {
  const { rows } = await services.db.pool.query<Reader>(
    `SELECT id, email, link_nonce, confirm_nonce, keywords, keyword_mode, max_papers, learned_at
     FROM subscribers ORDER BY email LIMIT $1`,
    [count],
  );
  const renderStarted = process.cpuUsage();
  const digests: Array<{ parts: DigestParts; headers: DigestHeaders }> = [];
  for (const reader of rows) {
    const links = services.links.forDigest({
      id: reader.id,
      linkNonce: reader.link_nonce,
      confirmNonce: reader.confirm_nonce,
    });
    const parts = (
      await personalDigestWriter({
        edition,
        preferences: {
          keywords: reader.keywords,
          keywordMode: reader.keyword_mode,
          maxPapers: reader.max_papers,
        },
        feedback: reader.learned_at
          ? await feedbackOf(services.db.pool, { subscriberId: reader.id })
          : undefined,
        recipient: { email: reader.email, ...links },
        renderer: services.renderer,
      })
    )?.parts();
    if (parts)
      digests.push({
        parts,
        headers: {
          to: reader.email,
          messageId: `<delivery-${digests.length}.digest@paperboy.example.org>`,
          subject: parts.subject,
          listUnsubscribe: `<${links.unsubscribeUrl}>`,
          listHeaders: LIST_HEADERS,
        },
      });
  }
  const renderUs = cpuMicros(renderStarted) / digests.length;
  const measure = async (messages: DigestMessages) => {
    // the first passes build the skeleton, encode each frame's and card's pieces (once per edition,
    // as in the worker) and warm the JIT; the last is what every further message costs
    for (let pass = 0; pass < 2; pass++)
      for (const { parts, headers } of digests) (await messages.compose(parts, headers)).write();
    // the fastest of three passes: the machine's other work (the sink, PostgreSQL, other tenants)
    // only ever adds to a pass
    let bytes = 0;
    let fastest = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < 3; pass++) {
      bytes = 0;
      const started = process.cpuUsage();
      for (const { parts, headers } of digests)
        bytes += Buffer.concat((await messages.compose(parts, headers)).write()).length;
      fastest = Math.min(fastest, cpuMicros(started) / digests.length);
    }
    return { us: fastest, kb: bytes / digests.length / 1024 };
  };
  const plain = await measure(new DigestMessages(MAIL_FROM));
  const signed = await measure(new DigestMessages(MAIL_FROM, signer));
  return { readers: digests.length, renderUs, plain, signed };
}

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function main() {
  const sink = await startSink();
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const env = {
    DATABASE_URL: db.url,
    SMTP_URL: sink.url,
    SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
    SMTP_MAX_MESSAGES: String(SMTP_MAX_MESSAGES),
    ...BENCH_ENV,
    MAIL_FROM,
    SENDER_BATCH_SIZE: '100',
    SENDER_MAX_IN_FLIGHT: process.env.SENDER_MAX_IN_FLIGHT,
  };
  const dkimEnv = { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY: dkimKey };
  const config = loadConfig(env);
  const services = await createServices(config, pino({ level: 'warn' }));
  // the same database, a second worker that signs: each sends editions of its own
  const signing = await createServices(loadConfig({ ...env, ...dkimEnv }), pino({ level: 'warn' }));
  const signer = new DkimSigner({ domainName: 'example.org', keySelector: 'bench', privateKey: dkimKey });
  try {
    const source = new FileSource(SAMPLE_DIR);
    await ingestDays(services.db.pool, source, await source.availableDays(), services.log);
    console.log(
      `database: ${server ? new URL(server).host : 'embedded PGlite'}; ${CONNECTIONS} SMTP connections (${SMTP_MAX_MESSAGES} messages each) to a sink in another process`,
    );

    await addSubscribers(services, SMALL, 0);
    const small = await withMemory(() => pipeline(services, '2026-07-27'));
    await addSubscribers(services, LARGE - SMALL, SMALL);
    await addReaderAnswers(services.db.pool, LEARNED);
    const { edition } = await services.editions.build('daily', '2026-07-29');
    const compose = await composeCost(services, edition, signer, COMPOSED);

    // a typical digest with a reader's real links, for the baselines and the wire
    const sample = await sampleDigest(services, edition, LIST_HEADERS);

    // every limit is measured half before and half after the pipelines: drift in the machine's
    // speed weighs on all alike
    // the transport as the sender's is set up
    const pool = {
      connections: CONNECTIONS,
      perConnection: SMTP_MAX_MESSAGES,
      inFlight: config.senderMaxInFlight,
    };
    const wireCpu: CpuPerMessage[] = [];
    const wireRun = async (half: string) => {
      const { result, cpu } = await withCpu(sink.pid, LARGE / 2, () =>
        sendMany(sink.url, LARGE / 2, pool, prebuilt(sample.raw), `wire ${half}`),
      );
      wireCpu.push(cpu);
      return result;
    };
    const limits = async (half: string) => ({
      wire: await wireRun(half),
      built: await sendMany(
        sink.url,
        BASELINE / 2,
        pool,
        composedEachTime(sample.html, sample.text, MAIL_FROM),
        `nodemailer ${half}`,
      ),
      builtSigned: await sendMany(
        sink.url,
        BASELINE / 2,
        pool,
        composedEachTime(sample.html, sample.text, MAIL_FROM, signer),
        `nodemailer + DKIM ${half}`,
      ),
    });
    const before = await limits('before');
    const large = await withCpu(sink.pid, LARGE, () => withMemory(() => pipeline(services, '2026-07-29')));
    const largeSigned = await withCpu(sink.pid, LARGE, () =>
      withMemory(() => pipeline(signing, '2026-07-28')),
    );
    const after = await limits('after');
    const mean = (key: keyof typeof before) => 2 / (1 / before[key] + 1 / after[key]);
    const wire = mean('wire');
    const built = mean('built');
    const builtSigned = mean('builtSigned');
    const rate = (value: number) => `${value.toFixed(0)}/s`;

    console.log(`\nlimits (before / after the pipelines):`);
    console.log(
      `  wire: the same ${(sample.raw.length / 1024).toFixed(1)} KB message written once, sent ${LARGE} times: ${rate(wire)} (${rate(before.wire)} / ${rate(after.wire)})`,
    );
    console.log(
      `  old baseline, Nodemailer composing ${(sample.html.length / 1024).toFixed(1)} KB of HTML and its text each time, ${BASELINE} messages: ${rate(built)} (${rate(before.built)} / ${rate(after.built)})`,
    );
    console.log(
      `  the same with DKIM (MailComposer + dkim.ts, 2048-bit): ${rate(builtSigned)} (${rate(before.builtSigned)} / ${rate(after.builtSigned)})`,
    );
    console.log(
      `  wire ${showCpu(wireCpu[0] as CpuPerMessage)} (before), ${showCpu(wireCpu[1] as CpuPerMessage)} (after)`,
    );
    console.log(`pipeline, ${LARGE} readers, ${LEARNED} of them with answers of their own (a ranking each):`);
    console.log(
      `  without DKIM: ${rate(large.result.result.rate)} = ${(large.result.result.rate / wire).toFixed(2)} of the wire, ${(large.result.result.rate / built).toFixed(2)} of the old baseline (fan-out ${large.result.result.fanOutMs.toFixed(0)} ms)`,
    );
    console.log(`    ${showCpu(large.cpu)}`);
    console.log(
      `  with DKIM:    ${rate(largeSigned.result.result.rate)} = ${(largeSigned.result.result.rate / wire).toFixed(2)} of the wire, ${(largeSigned.result.result.rate / builtSigned).toFixed(2)} of the old baseline with DKIM`,
    );
    console.log(`    ${showCpu(largeSigned.cpu)}`);
    console.log(`pipeline, ${small.result.sent} readers, none learned: ${rate(small.result.rate)}`);
    console.log(
      `composing one message from its skeleton, CPU per message over ${compose.readers} readers' digests (${compose.plain.kb.toFixed(1)} KB each):`,
    );
    console.log(
      `  fill ${compose.plain.us.toFixed(0)} µs; fill + DKIM ${compose.signed.us.toFixed(0)} µs (rendering the pieces before: ${compose.renderUs.toFixed(0)} µs)`,
    );
    console.log(
      `worker RSS: ${small.result.sent} readers peak ${small.peakMb.toFixed(0)} MB (from ${small.startMb.toFixed(0)}); ${large.result.result.sent} readers peak ${large.result.peakMb.toFixed(0)} MB (from ${large.result.startMb.toFixed(0)}); with DKIM peak ${largeSigned.result.peakMb.toFixed(0)} MB`,
    );
    reportFigures([
      {
        scenario: 'delivery',
        name: `pipeline without DKIM, ${LARGE} readers (${LEARNED} learned), messages/s`,
        value: large.result.result.rate,
        unit: '/s',
        baseline: { name: 'wire: written bytes sent again', value: wire },
        target: { bound: 0.8, better: 'higher', ratio: true },
      },
      {
        scenario: 'delivery',
        name: 'pipeline with DKIM (2048-bit), messages/s',
        value: largeSigned.result.result.rate,
        unit: '/s',
        baseline: { name: 'wire', value: wire },
        target: { bound: 0.7, better: 'higher', ratio: true },
      },
      {
        scenario: 'delivery',
        name: 'pipeline without DKIM against the old Nodemailer-built limit',
        value: large.result.result.rate,
        unit: '/s',
        baseline: { name: 'Nodemailer composing each message', value: built },
        target: { bound: 0.9, better: 'higher', ratio: true },
      },
      {
        scenario: 'delivery',
        name: 'composing one message (fill + DKIM), CPU',
        value: compose.signed.us,
        unit: 'µs',
        baseline: { name: 'fill alone', value: compose.plain.us },
        target: { bound: 500, better: 'lower' },
      },
      {
        scenario: 'memory',
        name: `peak RSS of the bench process (its worker in it) sending ${LARGE}`,
        value: large.result.peakMb,
        unit: 'MB',
        baseline: { name: `sending ${small.result.sent}`, value: small.peakMb },
        target: { bound: 150, better: 'lower' },
      },
    ]);
  } finally {
    await signing.close();
    await services.close();
    await db.drop();
    sink.stop();
  }
}

await main();
