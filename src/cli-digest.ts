import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { parseDay } from './dates.ts';
import type { DeliveryStatus } from './delivery/status.ts';
import type { Edition } from './digest/editions.ts';
import { FREQUENCIES, type Frequency } from './frequency.ts';
import { type Progress, startProgress } from './progress.ts';

// what the commands run, loaded when one runs (cli.ts)
const services = () => import('./services.ts');
const editionTitleOf = async (edition: Edition) =>
  (await import('./digest/presentation.ts')).editionTitle(edition);

const dateOption = () =>
  new Option('--date <YYYY-MM-DD>', 'the edition date (weekly: any day of its ISO week)').argParser((value) =>
    parseDay(value, '--date'),
  );
const frequencyOption = () =>
  new Option('--frequency <frequency>', 'daily or weekly').choices(FREQUENCIES).default('daily');

async function describeEdition(edition: Edition): Promise<string> {
  const title = await editionTitleOf(edition);
  const note = edition.buildNote ? `\n  ${edition.buildNote}` : '';
  if (edition.status === 'waiting') return `${title}: not built yet. ${edition.emptyReason}`;
  if (edition.status === 'empty')
    return `${title}: empty, nothing will be sent. ${edition.emptyReason}${note}`;
  const lines = edition.papers.map(
    (p) => `  ${String(p.position).padStart(3)}. [${p.score.toFixed(2)}] ${p.title}`,
  );
  return [`${title}: ${edition.papers.length} papers${note}`, ...lines].join('\n');
}

/** `paperboy digest …`: build and preview editions. */
export function registerDigestCommands(program: Command): void {
  const digest = program.command('digest').description('digest editions: build, preview');

  digest
    .command('build')
    .description(
      'build the edition of a date once its day is complete (or fill an empty one); shows it if it is already built',
    )
    .addOption(dateOption().makeOptionMandatory())
    .addOption(frequencyOption())
    .option(
      '--rebuild',
      'build it again now from the stored papers, without waiting; refused once any of its mail has gone',
      false,
    )
    .action(async (options: { date: string; frequency: Frequency; rebuild: boolean }) =>
      (await services()).withServices(async (services) => {
        if (options.rebuild) {
          const edition = await services.editions.rebuild(options.frequency, options.date);
          console.log(`rebuilt: ${await describeEdition(edition)}`);
          return;
        }
        const { edition, created } = await services.editions.build(options.frequency, options.date);
        const verb = created ? 'built' : edition.status === 'waiting' ? 'waiting' : 'already built';
        console.log(`${verb}: ${await describeEdition(edition)}`);
      }),
    );

  digest
    .command('send')
    .description('build the edition if needed, fan it out to its subscribers and deliver what is due')
    .addOption(dateOption().makeOptionMandatory())
    .addOption(frequencyOption())
    .option('--now', "ignore subscribers' delivery hours: everything is due now", false)
    .action(async (options: { date: string; frequency: Frequency; now: boolean }) => {
      // a command sending a list holds mail as the worker does: the same bound on its heap's growth
      (await import('./memory.ts')).keepHeapGrowthSmall();
      const { sendEdition } = await import('./delivery/send-edition.ts');
      const { editionStatus } = await import('./delivery/stats.ts');
      const editionTitle = (await import('./digest/presentation.ts')).editionTitle;
      await (await services()).withServices(async (services) => {
        const { edition } = await services.editions.build(options.frequency, options.date);
        if (edition.status !== 'ready') {
          const state =
            edition.status === 'empty' ? 'empty, nothing to send' : 'not built yet, nothing to send';
          console.log(`${editionTitle(edition)}: ${state}. ${edition.emptyReason}`);
          return;
        }
        let progress: Progress | undefined;
        // deliveries done, not tries: a retry is neither (it may come back in this run)
        services.sender.events.on('outcome', (outcome) => {
          if (outcome !== 'retry') progress?.increment();
        });
        const { added, counts } = await sendEdition({
          pool: services.db.pool,
          sender: services.sender,
          edition,
          now: options.now,
          onStart(due, fannedOut) {
            console.error(`${editionTitle(edition)}: ${fannedOut} new deliveries; ${due} due now`);
            progress = startProgress('sending', due);
          },
        });
        progress?.stop();
        const status = await editionStatus(services.db.pool, edition.id as number);
        const total = (name: DeliveryStatus) => status.byStatus[name] ?? 0;
        console.log(
          [
            `${editionTitle(edition)}`,
            `  this run: ${added} fanned out, ${counts.sent} sent, ${counts.failed} failed, ${counts.retry} to retry, ${counts.cancelled} not sent (nothing for them)`,
            `  edition:  ${total('sent')} sent, ${total('failed')} failed, ${total('pending')} waiting${
              status.nextDue ? ` (next due ${status.nextDue.toISOString()})` : ''
            }, ${total('cancelled')} cancelled`,
          ].join('\n'),
        );
        if (counts.failed > 0) process.exitCode = 1;
      });
    });

  digest
    .command('preview')
    .description('render a digest as HTML without sending it (the stored edition, or what it would hold now)')
    .addOption(dateOption().makeOptionMandatory())
    .addOption(frequencyOption())
    .option('--email <address>', "a subscriber's address: their selection, keywords and links")
    .option('--out <file>', 'write the HTML there (the text part beside it, .txt) instead of to stdout')
    .action(async (options: { date: string; frequency: Frequency; email?: string; out?: string }) => {
      const { previewEdition } = await import('./admin/operator.ts');
      await (await services()).withServices(async (services) => {
        const edition = await services.editions.findOrDraft(options.frequency, options.date);
        const subscriber = options.email ? await services.subscribers.findByEmail(options.email) : undefined;
        if (options.email && !subscriber)
          throw new Error(`--email: no subscriber with the address ${options.email}`);
        const digestMail = await previewEdition(services, edition, subscriber);
        if (!digestMail) {
          console.error(
            edition.status === 'empty'
              ? `Nothing to preview: ${edition.emptyReason}`
              : `Nothing would be sent to ${options.email}: no paper matches their keywords and they asked for matching papers only.`,
          );
          process.exitCode = 1;
          return;
        }
        if (options.out) {
          writeFileSync(options.out, digestMail.html);
          writeFileSync(options.out.replace(/(\.html?)?$/, '.txt'), digestMail.text);
          console.log(
            `${digestMail.subject}\nwrote ${options.out} (${Buffer.byteLength(digestMail.html)} bytes of HTML)`,
          );
        } else {
          process.stdout.write(digestMail.html);
        }
      });
    });
}
