import { Command } from 'commander';
import { registerDigestCommands } from './cli-digest.ts';
import { registerSubscriberCommands } from './cli-subscribers.ts';
import { parseDay } from './dates.ts';
import type { Services } from './services.ts';
import type { Worker } from './worker/worker.ts';

/** Where `paperboy inbound` listens without INBOUND_SMTP_PORT: a port a user may bind (a relay forwards 25 to it). */
const DEFAULT_INBOUND_PORT = 2525;

// Each command loads what it runs when it runs, not before: `paperboy --help` needs none of the
// HTTP server, the mail renderer or the embedded database, nor the configuration's schema
// (importing config.ts, TypeBox and the compiled schema, takes about 0.25 s alone).

/**
 * Runs until SIGTERM or SIGINT, then stops in order: HTTP first, then the worker, then the pool.
 * Listening from the first moment of start-up: a signal during it waits for the step under way
 * (opening the database, migrating) to end, then closes what was started. A second signal ends
 * the process at once (exit code 1).
 */
function onShutdown(startup: Promise<unknown>, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} received again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`${signal} received, shutting down`);
    startup
      .catch(() => undefined)
      .then(stop)
      .then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

interface Started {
  app?: Awaited<ReturnType<typeof import('./http/app.ts')['buildApp']>>;
  worker?: Worker;
  inbound?: { close(): Promise<void> };
  services?: Awaited<ReturnType<typeof import('./services.ts')['createServices']>>;
}

async function run(options: { http: boolean; worker: boolean }): Promise<void> {
  const started: Started = {};
  let stopping = false;
  const startup = start(options, started, () => stopping);
  onShutdown(startup, async () => {
    stopping = true;
    await started.app?.close();
    await started.inbound?.close();
    await started.worker?.stop();
    await started.services?.close();
  });
  await startup;
}

/** Start-up, step by step; each step's result goes into `started` at once, for a stop to close it. */
async function start(
  options: { http: boolean; worker: boolean },
  started: Started,
  stopping: () => boolean,
): Promise<void> {
  const { createLogger, createServices } = await import('./services.ts');
  const { loadConfig } = await import('./config.ts');
  const config = loadConfig();
  const log = createLogger(config);
  const services = await createServices(config, log);
  started.services = services;
  if (stopping()) return;
  log.info({ database: services.db.description, mail: services.transport.description }, 'services ready');
  if (options.http && options.worker) {
    const { loadSampleIntoEmptyDemo } = await import('./papers/sample.ts');
    const days = await loadSampleIntoEmptyDemo({
      databaseUrl: config.databaseUrl,
      pool: services.db.pool,
      log,
    });
    // the sample's days are long past: their editions are built now, so the home page and the
    // archive show a digest at once (the edition schedule only builds yesterday's)
    for (const day of days) await services.editions.build('daily', day);
  }
  if (stopping()) return;
  const app = options.http ? await (await import('./http/app.ts')).buildApp(config, services) : undefined;
  started.app = app;
  if (stopping()) return;
  started.worker = options.worker ? (await import('./worker/worker.ts')).startWorker(services) : undefined;
  // a worker takes bounces and mailto unsubscribes too, where INBOUND_SMTP_PORT says so
  if (options.worker && config.inboundSmtpPort !== undefined)
    started.inbound = await startInbound(services, config.inboundSmtpPort);
  if (app) {
    await app.listen({ port: config.port, host: config.host });
    const { recordServerStart } = await import('./servers/public-url.ts');
    await recordServerStart(services.db.pool, config.publicUrl);
    // the last line of start-up, the one a person looks for: where the site is, where mail goes
    const mail = config.smtpUrl
      ? services.transport.description
      : config.outboxEnabled
        ? `the outbox, ${config.publicUrl}/outbox`
        : services.transport.description;
    log.info(`Paperboy is listening on ${config.publicUrl} · mail goes to ${mail}`);
  }
}

const INBOUND_DOMAIN_MISSING =
  'INBOUND_DOMAIN: must be set for the inbound listener (the domain its addresses are at)';

/** The inbound SMTP listener (src/inbound/listener.ts) on the services' database. */
async function startInbound(services: Services, port: number) {
  const { config, db, subscribers, log, inbound } = services;
  if (!inbound) throw new Error(INBOUND_DOMAIN_MISSING);
  const { startInboundListener } = await import('./inbound/listener.ts');
  return startInboundListener(
    { pool: db.pool, addresses: inbound, subscribers, softBounceLimit: config.softBounceLimit, log },
    { host: config.inboundSmtpHost, port },
  );
}

export const program = new Command()
  .name('paperboy')
  .description(
    'Email digests of trending research papers. Configuration comes from the environment (docs/configuration.md).',
  )
  .showHelpAfterError();

program
  .command('serve')
  .description(
    'run the HTTP server and the worker (schedules and sender) in one process: what npm start runs',
  )
  .action(() => run({ http: true, worker: true }));

program
  .command('api')
  .description('run the HTTP server only: pages, links in mail, the JSON API; no schedules, no sending')
  .action(() => run({ http: true, worker: false }));

program
  .command('worker')
  .description('run the worker only: the ingest and edition schedules, and the sender that delivers mail')
  .action(() => run({ http: false, worker: true }));

program
  .command('inbound')
  .description(
    'run the SMTP listener for mail that comes back: DSNs to each mail’s return path, List-Unsubscribe mailto (INBOUND_DOMAIN)',
  )
  .action(async () => {
    const { createLogger, createServices } = await import('./services.ts');
    const { loadConfig } = await import('./config.ts');
    const config = loadConfig();
    // refused before any database is opened (or an embedded one created and migrated for nothing)
    if (!config.inboundDomain) throw new Error(INBOUND_DOMAIN_MISSING);
    const started: { services?: Services; listener?: { close(): Promise<void> } } = {};
    const startup = (async () => {
      started.services = await createServices(config, createLogger(config));
      started.listener = await startInbound(started.services, config.inboundSmtpPort ?? DEFAULT_INBOUND_PORT);
    })();
    onShutdown(startup, async () => {
      await started.listener?.close();
      await started.services?.close();
    });
    await startup;
  });

program
  .command('ingest')
  .description('fetch the trending papers of a day and store them (default: yesterday and today, UTC)')
  .option('--date <YYYY-MM-DD>', 'the day to ingest', (value) => parseDay(value, '--date'))
  .option('--source <source>', 'hf (HF_API_URL), sample (bundled, offline) or file:PATH', 'hf')
  .action(async (options: { date?: string; source: string }) => {
    const { withServices } = await import('./services.ts');
    const { ingestDays, recentDays } = await import('./papers/ingest.ts');
    const { paperSourceFor } = await import('./papers/source-for.ts');
    await withServices(async ({ config, db, log }) => {
      const source = paperSourceFor(options.source, config, log);
      const days = options.date ? [options.date] : ((await source.availableDays?.()) ?? recentDays());
      const { results, failures } = await ingestDays(db.pool, source, days, log);
      for (const r of results) {
        console.log(
          `${r.date}: ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped} skipped`,
        );
      }
      for (const f of failures) console.error(`${f.date}: failed: ${f.error.message}`);
      if (failures.length > 0) process.exitCode = 1;
    });
  });

program
  .command('migrate')
  .description('apply database migrations that have not been applied yet')
  .action(async () => {
    const { openDatabase } = await import('./db/database.ts');
    const { migrate } = await import('./db/migrate.ts');
    const { loadConfig } = await import('./config.ts');
    const config = loadConfig();
    const db = await openDatabase(config);
    try {
      const applied = await migrate(db.pool);
      console.log(
        applied.length
          ? `applied migrations ${applied.join(', ')} to ${db.description}`
          : `${db.description} is up to date`,
      );
    } finally {
      await db.close();
    }
  });

registerDigestCommands(program);
registerSubscriberCommands(program);

program.parseAsync(process.argv).catch(async (error: unknown) => {
  const { ConfigError } = await import('./config.ts');
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
