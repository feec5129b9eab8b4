/**
 * Every benchmark and reliability script of the project: the scenarios `npm run bench` runs in
 * turn (bench/all.ts), and the scripts that run on their own, each with the reason. A test holds
 * this list to package.json, so a new script is either a scenario or says why it is not.
 */
export interface Scenario {
  name: string;
  /** The npm script that runs it alone. */
  npmScript: string;
  script: string;
  /** What it measures, in a few words (`npm run bench -- --list`). */
  measures: string;
  full: string[];
  quick: string[];
  /** Why it runs only on PostgreSQL; without it, `npm run bench` skips it and says so. */
  needsPostgres?: string;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'render',
    npmScript: 'bench:render',
    script: 'render.ts',
    measures: 'rendering per recipient: shared selections and readers’ own',
    full: [],
    quick: ['--subscribers', '2000', '--naive-sample', '10'],
  },
  {
    name: 'delivery',
    npmScript: 'bench:delivery',
    script: 'delivery.ts',
    measures:
      'the whole pipeline against the wire limit and the Nodemailer-built limit, with and without DKIM',
    full: [],
    quick: [
      '--subscribers',
      '600',
      '--small',
      '200',
      '--learned',
      '200',
      '--baseline',
      '100',
      '--composed',
      '100',
    ],
  },
  {
    name: 'wire sweep',
    npmScript: 'bench:wire-sweep',
    script: 'wire-sweep.ts',
    measures: 'wire and raw limits over connections, messages in flight and per connection',
    full: [],
    quick: ['--messages', '50', '--connections', '10', '--readers', '200'],
  },
  {
    name: 'worker memory',
    npmScript: 'bench:worker-memory',
    script: 'worker-memory.ts',
    measures: 'a worker’s peak memory sending small and large lists',
    full: [],
    quick: ['--small', '100', '--large', '500'],
    needsPostgres:
      'it measures the worker process’s memory, and the embedded database would run inside that process',
  },
  {
    name: 'fan-out',
    npmScript: 'bench:fan-out',
    script: 'fan-out.ts',
    measures: 'one edition fanned out to a million subscribers',
    full: [],
    quick: ['--subscribers', '20000', '--loop-sample', '1000'],
  },
  {
    name: 'relay',
    npmScript: 'bench:relay',
    script: 'relay.ts',
    measures: 'a throttling relay (30/s, 454 above) and a far one (50 ms) beside a bare Nodemailer pool',
    full: [],
    quick: ['--quick'],
  },
  {
    name: 'startup',
    npmScript: 'bench:startup',
    script: 'startup.ts',
    measures: 'how fast each command answers, beside node -e 0',
    full: [],
    quick: ['--runs', '1'],
  },
  {
    name: 'subscribe API',
    npmScript: 'bench:subscribe-api',
    script: 'subscribe-api.ts',
    measures: 'the subscribe API under autocannon beside a bare one-INSERT route',
    full: [],
    quick: ['--seconds', '1', '--rate', '1000'],
  },
  {
    name: 'scoring',
    npmScript: 'bench:scoring',
    script: 'scoring.ts',
    measures: 'ranking one edition for 100,000 readers, 20,000 of them learned',
    full: [],
    quick: ['--readers', '2000', '--learned', '400'],
  },
  {
    name: 'import',
    npmScript: 'bench:import',
    script: 'import.ts',
    measures: 'importing a 100,000-row CSV list beside one INSERT per row',
    full: [],
    quick: ['--rows', '2000', '--baseline-sample', '200'],
  },
];

/** Scripts `npm run bench` leaves out, and why. */
export const STANDALONE: { npmScript: string; why: string }[] = [
  {
    npmScript: 'eval',
    why: 'measures ranking quality on real days, not speed; its report is EVALUATION.md',
  },
  {
    npmScript: 'chaos',
    why: 'kills workers and the database’s sessions for minutes; a short run is part of npm test on PostgreSQL; figures in RELIABILITY.md',
  },
  {
    npmScript: 'bench:load',
    why: 'drives a separate `paperboy api` process with autocannon until it saturates; figures in RELIABILITY.md',
  },
  {
    npmScript: 'bench:subscribe-timing',
    why: 'a probe of one route’s timing for new and known addresses (privacy), not a throughput figure',
  },
];
