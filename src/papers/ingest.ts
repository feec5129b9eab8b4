import type pg from 'pg';
import type { Logger } from 'pino';
import { addDays, isoDay } from '../dates.ts';
import { withTransaction } from '../db/transaction.ts';
import { type ApiItem, describeInvalidItem, itemLabel } from './api-item.ts';
import { stripUnwantedInJson } from './clean-text.ts';
import { isArxivId, normalizeItem } from './normalize.ts';
import type { Paper } from './paper.ts';
import { trendingScore } from './score.ts';
import type { PaperSource } from './sources.ts';
import { countFeaturedOn, type IngestCounts, recordIngestRun, upsertPaper, upsertPaperDay } from './store.ts';

// the console and the metrics read the ingests through this module
export { countIngestRuns, type IngestRun, recentIngestRuns } from './store.ts';

export interface IngestResult extends IngestCounts {
  date: string;
}

/**
 * Valid, normalised papers of a day's raw items, in the API's order. Every string is stripped of
 * unwanted characters first (clean-text.ts); an item that is still unusable is skipped with a
 * warning giving the reason, and a field cut to PAPER_LIMITS is named in a warning too.
 */
export function readItems(raw: unknown[], date: string, log: Logger): { papers: Paper[]; skipped: number } {
  const papers: Paper[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  raw.forEach((rawItem, index) => {
    const item = stripUnwantedInJson(rawItem);
    const label = itemLabel(item, index);
    const invalid = describeInvalidItem(item);
    const id = (item as ApiItem | undefined)?.paper?.id?.trim();
    const capped: string[] = [];
    const paper = invalid || !isArxivId(id ?? '') ? undefined : normalizeItem(item as ApiItem, capped);
    const reason =
      invalid ??
      (!paper
        ? `"${id}" is not an arXiv id`
        : seen.has(paper.arxivId)
          ? 'listed twice'
          : paper.title === ''
            ? 'the title is empty once control characters are removed'
            : undefined);
    if (reason || !paper) {
      skipped++;
      log.warn({ date, item: label }, `skipping ${label} of ${date}: ${reason}`);
      return;
    }
    if (capped.length > 0) log.warn({ date, item: label }, `${label} of ${date}: ${capped.join('; ')}`);
    seen.add(paper.arxivId);
    papers.push(paper);
  });
  return { papers, skipped };
}

/**
 * Stores a day's papers in one transaction: all of them, or nothing. A paper stored for the day
 * and missing from this answer stays: lists captured early grow during the day, and an answer
 * that lost papers is likelier a glitch of the source than a paper withdrawn.
 */
async function storeDay(
  pool: pg.Pool,
  date: string,
  papers: Paper[],
): Promise<Omit<IngestResult, 'date' | 'skipped'>> {
  return withTransaction(pool, async (client) => {
    const counts = { new: 0, updated: 0, unchanged: 0 };
    for (const [index, paper] of papers.entries()) {
      counts[await upsertPaper(client, { paper, day: date })]++;
      await upsertPaperDay(client, { day: date, paper, rank: index + 1, score: trendingScore(paper, date) });
    }
    return counts;
  });
}

/**
 * An answer that would empty a day that has papers: an empty list, or items none of which is
 * usable. Nothing is stored; the run is recorded as an anomaly.
 */
export class IngestAnomaly extends Error {
  override name = 'IngestAnomaly';
}

async function refuseToEmptyStoredDay(pool: pg.Pool, date: string, raw: unknown[], skipped: number) {
  const stored = await countFeaturedOn(pool, { day: date });
  if (stored === 0) return;
  const answer = raw.length === 0 ? 'an empty list' : `${raw.length} items, all ${skipped} unusable`;
  throw new IngestAnomaly(
    `anomaly: the source answered ${answer} for ${date}, which has ${stored} stored papers; kept them, stored nothing`,
  );
}

/**
 * Fetches, validates and stores the papers of one day. A day whose answer is unusable as a
 * whole (not JSON, not an array, too large, the API failing past its retries) throws and stores
 * nothing; so does an answer with no usable paper for a day that has papers (IngestAnomaly).
 * Earlier data stays as it was.
 */
export async function ingestDay(
  pool: pg.Pool,
  source: PaperSource,
  date: string,
  log: Logger,
): Promise<IngestResult> {
  const startedAt = new Date();
  let result: IngestResult;
  try {
    const raw = await source.fetchDay(date);
    const { papers, skipped } = readItems(raw, date, log);
    if (papers.length === 0) await refuseToEmptyStoredDay(pool, date, raw, skipped);
    const counts = await storeDay(pool, date, papers);
    result = { date, ...counts, skipped };
  } catch (error) {
    await recordRun(pool, { date, source, startedAt, error: error as Error }).catch((recordError) =>
      log.warn({ err: recordError }, `could not record the failed ingest of ${date}`),
    );
    throw error;
  }
  await recordRun(pool, { date, source, startedAt, result });
  log.info(result, `ingested ${date} from ${source.description}`);
  return result;
}

/** Keeps the run for the operator console (ingest_runs); a failed one with its error. */
async function recordRun(
  pool: pg.Pool,
  run: { date: string; source: PaperSource; startedAt: Date; result?: IngestResult; error?: Error },
): Promise<void> {
  await recordIngestRun(pool, {
    day: run.date,
    source: run.source.description,
    counts: run.result ?? null,
    error: run.error ? run.error.message.slice(0, 2000) : null,
    startedAt: run.startedAt,
    anomaly: run.error instanceof IngestAnomaly,
  });
}

/** What the schedule ingests: yesterday and today (UTC), as late papers still arrive for yesterday. */
export function recentDays(now = new Date()): string[] {
  const today = isoDay(now);
  return [addDays(today, -1), today];
}

/** Ingests several days, each on its own: one failing day does not stop the others. */
export async function ingestDays(
  pool: pg.Pool,
  source: PaperSource,
  days: string[],
  log: Logger,
): Promise<{ results: IngestResult[]; failures: Array<{ date: string; error: Error }> }> {
  const results: IngestResult[] = [];
  const failures: Array<{ date: string; error: Error }> = [];
  for (const date of days) {
    try {
      results.push(await ingestDay(pool, source, date, log));
    } catch (error) {
      log.error({ date, err: error }, `could not ingest ${date}: ${(error as Error).message}`);
      failures.push({ date, error: error as Error });
    }
  }
  return { results, failures };
}
