/**
 * The limits of the SMTP path over the transport's settings, and Paperboy's pipeline against the
 * best of them, in one run, to a sink in another process:
 * - for every setting (connections × in flight × messages per connection), two limits: the
 *   **wire** (one written digest sent again and again: the transport alone) and the **raw limit**
 *   as bench:delivery first measured it (Nodemailer composing the same HTML and text into MIME for
 *   every message, as Paperboy once sent);
 * - then the pipeline (fan-out, claiming, personalising, rendering, writing, sending, recording)
 *   with Paperboy's defaults and with the settings of the fastest raw limit, that limit measured
 *   again just before and after it, so drift weighs on both.
 *
 *   npm run bench:wire-sweep [-- --messages 3000 --connections 1,2,5,10 --readers 20000]
 * Wants BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createServices } from '../src/services.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { type Figure, reportFigures } from './lib/figures.ts';
import { addSubscribers, pipeline } from './lib/pipeline.ts';
import {
  composedEachTime,
  type PoolSettings,
  prebuilt,
  sampleDigest,
  sendMany,
  startSink,
} from './lib/sink.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '1,2,5,10' },
    readers: { type: 'string', default: '20000' },
  },
});
const MESSAGES = Number(values.messages);
const CONNECTIONS = values.connections.split(',').map(Number);
const READERS = Number(values.readers);
const IN_FLIGHT = [100, 200, 500];
/** 0 stands for no limit: one connection carries every message. */
const PER_CONNECTION = [100, 1000, 0];
/** The configuration's nearest to no limit (SMTP_MAX_MESSAGES's maximum). */
const NO_LIMIT_SETTING = 100_000;
const MAIL_FROM = 'Paperboy <bench@example.org>';
const LIST_HEADERS = { 'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.example.org>' };
/** The target: the pipeline at ≥ 0.9 of the best raw limit. */
const TARGET = 0.9;

type Result = PoolSettings & { wire: number; raw: number };
const describe = (r: PoolSettings) =>
  `${r.connections} connections, ${r.inFlight} in flight, ${r.perConnection || 'no limit'} per connection`;

async function main() {
  const sink = await startSink();
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const env = { DATABASE_URL: db.url, SMTP_URL: sink.url, ...BENCH_ENV, MAIL_FROM };
  const config = loadConfig(env);
  const services = await createServices(config, pino({ level: 'warn' }));
  try {
    await ingestDays(services.db.pool, new FileSource(SAMPLE_DIR), ['2026-07-29'], services.log);
    const { edition } = await services.editions.build('daily', '2026-07-29');
    const sample = await sampleDigest(services, edition, LIST_HEADERS);
    const written = prebuilt(sample.raw);
    const composed = composedEachTime(sample.html, sample.text, MAIL_FROM);
    console.log(
      `${MESSAGES} messages per setting and limit (a written digest of ${(sample.raw.length / 1024).toFixed(1)} KB; Nodemailer composing ${(sample.html.length / 1024).toFixed(1)} KB of HTML and its text), to a sink in another process`,
    );
    console.log(
      '\n| connections | in flight | messages per connection | wire /s | raw limit /s |\n|---:|---:|---:|---:|---:|',
    );
    const results: Result[] = [];
    for (const connections of CONNECTIONS)
      for (const inFlight of IN_FLIGHT)
        for (const perConnection of PER_CONNECTION) {
          const settings = { connections, inFlight, perConnection };
          const wire = await sendMany(sink.url, MESSAGES, settings, written);
          const raw = await sendMany(sink.url, MESSAGES, settings, composed);
          results.push({ ...settings, wire, raw });
          console.log(
            `| ${connections} | ${inFlight} | ${perConnection || 'no limit'} | ${wire.toFixed(0)} | ${raw.toFixed(0)} |`,
          );
        }
    const fastest = (key: 'wire' | 'raw') => results.reduce((a, b) => (b[key] > a[key] ? b : a));
    const bestWire = fastest('wire');
    const bestRaw = fastest('raw');
    const defaults: PoolSettings = {
      connections: config.smtpMaxConnections,
      inFlight: config.senderMaxInFlight,
      perConnection: config.smtpMaxMessages,
    };
    const defaultsResult = results.find(
      (r) =>
        r.connections === defaults.connections &&
        r.inFlight === defaults.inFlight &&
        r.perConnection === defaults.perConnection,
    );
    console.log(`\nfastest wire: ${describe(bestWire)}: ${bestWire.wire.toFixed(0)}/s`);
    console.log(`fastest raw limit: ${describe(bestRaw)}: ${bestRaw.raw.toFixed(0)}/s`);

    // the pipeline, with the defaults and with the fastest raw limit's settings
    await addSubscribers(services, READERS, 0);
    const pipelineWith = async (settings: PoolSettings) => {
      const tuned = await createServices(
        loadConfig({
          ...env,
          SMTP_MAX_CONNECTIONS: String(settings.connections),
          SMTP_MAX_MESSAGES: String(settings.perConnection || NO_LIMIT_SETTING),
          SENDER_MAX_IN_FLIGHT: String(settings.inFlight),
        }),
        pino({ level: 'warn' }),
      );
      try {
        return (await pipeline(tuned, '2026-07-29')).rate;
      } finally {
        await tuned.close();
      }
    };
    const rawAgain = (label: string) => sendMany(sink.url, MESSAGES, bestRaw, composed, label);
    const rawBefore = await rawAgain('raw limit before');
    const atBest = await pipelineWith(bestRaw);
    const atDefaults = await pipelineWith(defaults);
    const rawAfter = await rawAgain('raw limit after');
    const raw = 2 / (1 / rawBefore + 1 / rawAfter);
    console.log(
      `\npipeline, ${READERS} readers, with the fastest raw limit's settings: ${atBest.toFixed(0)}/s = ${(atBest / raw).toFixed(2)} of that limit measured around it (${raw.toFixed(0)}/s: ${rawBefore.toFixed(0)} before, ${rawAfter.toFixed(0)} after; target ≥ ${TARGET}), ${(atBest / bestWire.wire).toFixed(2)} of the fastest wire`,
    );
    console.log(
      `pipeline with Paperboy's defaults (${describe(defaults)}): ${atDefaults.toFixed(0)}/s = ${(atDefaults / raw).toFixed(2)} of the fastest raw limit`,
    );

    const figures: Figure[] = [
      {
        scenario: 'wire sweep',
        name: `pipeline with the fastest raw limit's settings (${describe(bestRaw)}), ${READERS} readers`,
        value: atBest,
        unit: '/s',
        baseline: { name: 'that raw limit, Nodemailer composing each message', value: raw },
        target: { bound: TARGET, better: 'higher', ratio: true },
      },
      {
        scenario: 'wire sweep',
        name: `pipeline with the defaults (${describe(defaults)})`,
        value: atDefaults,
        unit: '/s',
        baseline: { name: 'the fastest raw limit', value: raw },
      },
      {
        scenario: 'wire sweep',
        name: `fastest wire (written bytes sent again): ${describe(bestWire)}`,
        value: bestWire.wire,
        unit: '/s',
      },
    ];
    if (defaultsResult)
      figures.push({
        scenario: 'wire sweep',
        name: `the wire with the defaults`,
        value: defaultsResult.wire,
        unit: '/s',
        baseline: { name: 'fastest wire', value: bestWire.wire },
      });
    reportFigures(figures);
  } finally {
    await services.close();
    await db.drop();
    sink.stop();
  }
}

await main();
