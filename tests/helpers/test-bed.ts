import type pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type App, buildApp } from '../../src/http/app.ts';
import { testConfig } from './app.ts';
import { ingestFixtures } from './digest-fixtures.ts';
import { dropUnlessFailed } from './keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.ts';
import { type SmtpPeer, startSmtpPeer } from './smtp.ts';

/** What a test file works against; read its fields inside hooks and tests, once set up. */
export interface TestBed {
  readonly database: ScratchDatabase;
  readonly app: App;
  /** Only with `smtp: true`: the app's SMTP_URL points at it. */
  readonly smtp: SmtpPeer;
  /** The app's pool. */
  readonly pool: pg.Pool;
}

export interface TestBedOptions {
  /** A real SMTP peer for the app's mail; without it mail goes to the outbox. */
  smtp?: boolean;
  /** The Hugging Face fixture days, ingested once. */
  fixtures?: boolean;
  /** More environment for the app, over testConfig's. */
  env?: Record<string, string>;
  /** Tables emptied (with CASCADE) before each test. */
  truncate?: string[];
}

/**
 * The set-up most test files share: a fresh database of their own, an app on it, an SMTP peer
 * if asked for, all closed after the file. Before each test the named tables are emptied and
 * the peer forgets what it received and was told.
 */
export function useTestBed(options: TestBedOptions = {}): TestBed {
  let database: ScratchDatabase | undefined;
  let app: App | undefined;
  let smtp: SmtpPeer | undefined;

  beforeAll(async () => {
    database = await createScratchDatabase();
    if (options.smtp) smtp = await startSmtpPeer();
    app = await buildApp(
      testConfig({
        DATABASE_URL: database.url,
        ...(smtp ? { SMTP_URL: smtp.url } : {}),
        ...options.env,
      }),
    );
    if (options.fixtures) await ingestFixtures(app.services.db.pool);
  });

  // biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
  afterAll(async ({}, suite) => {
    await app?.close();
    await smtp?.close();
    await dropUnlessFailed(database, suite);
  });

  beforeEach(async () => {
    if (options.truncate?.length)
      await app?.services.db.pool.query(`TRUNCATE ${options.truncate.join(', ')} CASCADE`);
    smtp?.reset();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the test bed's ${what} is not set up (yet)`);
    return value;
  };
  return {
    get database() {
      return ready(database, 'database');
    },
    get app() {
      return ready(app, 'app');
    },
    get smtp() {
      if (!options.smtp) throw new Error('this test bed has no SMTP peer: useTestBed({ smtp: true })');
      return ready(smtp, 'SMTP peer');
    },
    get pool() {
      return ready(app, 'app').services.db.pool;
    },
  };
}
