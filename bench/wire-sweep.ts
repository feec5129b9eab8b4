import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createScratchDatabase } from '../src/db/scratch-database.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createServices } from '../src/services.ts';
import { BENCH_ENV } from './bench-env.ts';
import { type Figure, reportFigures } from './figures.ts';
import { prebuilt, sampleDigest, sendMany, startSink } from './sink.ts';

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

async function main() {
  const sink = await startSink();
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...BENCH_ENV,
  });
  const services = await createServices(config, pino({ level: 'warn' }));
  try {
    await ingestDays(services.db.pool, new FileSource(SAMPLE_DIR), ['2026-03-12'], services.log);
    const { edition } = await services.editions.build('daily', '2026-03-12');
    const { raw } = await sampleDigest(services, edition, {
      'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.example.org>',
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
          const rate = await sendMany(
            sink.url,
            MESSAGES,
            { connections, inFlight, perConnection },
            prebuilt(raw),
          );
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
