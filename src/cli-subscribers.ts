import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { startProgress } from './progress.ts';
import { LISTED_STATUSES, type ListedStatus } from './subscribers/records.ts';

// what the commands run, loaded when one runs (cli.ts)
const withServices: typeof import('./services.ts').withServices = async (fn) =>
  (await import('./services.ts')).withServices(fn);

/** `paperboy subscribers …`: import, export and erase, for the operator's scripts. */
export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').description('subscriber lists: import, export, erase');

  subscribers
    .command('import')
    .description(
      'import people who already opted in, as active subscribers (no confirmation mail): CSV with a header row, an email column and any preference columns of the export',
    )
    .argument('<file>', 'the CSV file')
    .option('--confirmed', 'required: every address in the file has opted in to this list already', false)
    .option(
      '--update',
      'give addresses already subscribed the preferences in the file (default: leave them)',
      false,
    )
    .action((file: string, options: { confirmed: boolean; update: boolean }) => {
      if (!options.confirmed) {
        console.error(
          'subscribers import: --confirmed is required. Import only people who have already opted in to this list: they get digests without a confirmation mail.',
        );
        process.exitCode = 2;
        return;
      }
      if (!existsSync(file)) {
        console.error(`subscribers import: no file ${file}`);
        process.exitCode = 2;
        return;
      }
      return withServices(async (services) => {
        // lines after the header: the bar's total (a quoted field over two lines makes it a guess)
        const lines = readFileSync(file).reduce((count, byte) => count + (byte === 10 ? 1 : 0), 0);
        const progress = startProgress('importing', Math.max(lines - 1, 1));
        const { importCsv } = await import('./subscribers/csv.ts');
        const report = await importCsv({
          pool: services.db.pool,
          hasher: services.addressHasher,
          input: createReadStream(file),
          update: options.update,
          onRow: () => progress.increment(),
        }).finally(() => progress.stop());
        for (const row of report.invalid) console.error(`line ${row.line}: ${row.message}`);
        console.log(
          `${file}: ${report.rows} rows: ${report.added} added, ${report.updated} updated, ${report.unchanged} already subscribed and left as they were, ${report.invalid.length} invalid`,
        );
        if (report.invalid.length > 0) process.exitCode = 1;
      });
    });

  subscribers
    .command('export')
    .description('write every subscriber (or those of one status) to stdout as CSV, importable again')
    .addOption(new Option('--status <status>', 'only this status').choices(LISTED_STATUSES))
    .action((options: { status?: ListedStatus }) =>
      withServices(async (services) => {
        const { exportCsv } = await import('./subscribers/csv.ts');
        process.stdout.write(await exportCsv(services.db.pool, options.status));
      }),
    );

  subscribers
    .command('erase')
    .description(
      'erase a subscriber and every mail sent to them, at once (a data request); a bounced or complaining address stays blocked as a keyed hash',
    )
    .argument('<email>', 'the address')
    .action((email: string) =>
      withServices(async (services) => {
        const { erase } = await import('./admin/operator.ts');
        const subscriber = await services.subscribers.findByEmail(email);
        if (!subscriber || !(await erase(services, subscriber.id))) {
          console.error(`subscribers erase: no subscriber with the address ${email}`);
          process.exitCode = 1;
          return;
        }
        console.log(`erased ${email}`);
      }),
    );
}
