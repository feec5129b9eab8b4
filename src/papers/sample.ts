import type pg from 'pg';
import type { Logger } from 'pino';
import { ingestDays } from './ingest.ts';
import { FileSource, SAMPLE_DIR } from './sources.ts';
import { countPapers } from './store.ts';

/**
 * The zero-configuration demo has no network to rely on: on the embedded database, an empty
 * papers table gets the bundled sample (four real days, see sample/README.md). Never on a real
 * server, where the sample's old days would mix with the live feed. Returns the days it loaded.
 */
export async function loadSampleIntoEmptyDemo(deps: {
  databaseUrl: string | undefined;
  pool: pg.Pool;
  log: Logger;
}): Promise<string[]> {
  if (deps.databaseUrl) return [];
  if ((await countPapers(deps.pool)) > 0) return [];
  const source = new FileSource(SAMPLE_DIR);
  const { results } = await ingestDays(deps.pool, source, await source.availableDays(), deps.log);
  deps.log.info(
    { days: results.map((r) => r.date) },
    'embedded database was empty: loaded the bundled sample papers (four real days)',
  );
  return results.map((result) => result.date);
}
