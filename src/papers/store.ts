import type { Queryable } from '../db/transaction.ts';
import type { Paper } from './paper.ts';
import { type PaperRow, toPaper } from './paper-row.ts';
import { paperQueries as sql } from './queries.ts';

/**
 * The papers room's statements as typed functions, `(db, {named params}) => values`: ingest,
 * the demo's sample and the feedback route call these, never the SQL strings, so a statement
 * and its parameters cannot drift apart.
 */

/** What storing a paper did: inserted it, changed it, or found it as it was. */
export type PaperWrite = 'new' | 'updated' | 'unchanged';

/**
 * Inserts a paper or brings it up to date from `day`'s list. The counts of a day older than
 * the latest one the paper is featured on are not written, so re-ingesting an old day never
 * rolls them back; that paper reads as unchanged.
 */
export async function upsertPaper(db: Queryable, p: { paper: Paper; day: string }): Promise<PaperWrite> {
  const { paper } = p;
  const { rows } = await db.query<{ inserted: boolean }>(sql.upsertPaper, [
    paper.arxivId,
    paper.title,
    paper.abstract,
    JSON.stringify(paper.authors),
    paper.upvotes,
    paper.numComments,
    paper.githubRepo,
    paper.githubStars,
    paper.projectPage,
    paper.aiSummary,
    paper.aiKeywords,
    paper.thumbnail,
    paper.publishedAt,
    paper.submittedOnDailyAt,
    paper.hfUrl,
    paper.arxivUrl,
    paper.pdfUrl,
    p.day,
    paper.organization ? JSON.stringify(paper.organization) : null,
  ]);
  const row = rows[0];
  if (!row) return 'unchanged';
  return row.inserted ? 'new' : 'updated';
}

/** Records that the paper is featured on `day`, at `rank` (1 = top) with its counts and score then. */
export async function upsertPaperDay(
  db: Queryable,
  p: {
    day: string;
    paper: Pick<Paper, 'arxivId' | 'upvotes' | 'numComments' | 'githubStars'>;
    rank: number;
    score: number;
  },
): Promise<void> {
  await db.query(sql.upsertPaperDay, [
    p.day,
    p.paper.arxivId,
    p.rank,
    p.paper.upvotes,
    p.paper.numComments,
    p.paper.githubStars,
    p.score,
  ]);
}

/** How many papers are stored as featured on `day`. */
export async function countFeaturedOn(db: Queryable, p: { day: string }): Promise<number> {
  const { rows } = await db.query<{ count: number }>(sql.countFeaturedOn, [p.day]);
  return rows[0]?.count ?? 0;
}

/** How many papers are stored at all. */
export async function countPapers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: number }>(sql.countPapers);
  return rows[0]?.count ?? 0;
}

/** One stored paper by its arXiv id. */
export async function findPaper(db: Queryable, p: { arxivId: string }): Promise<Paper | undefined> {
  const { rows } = await db.query<PaperRow>(sql.findPaper, [p.arxivId]);
  return rows[0] ? toPaper(rows[0]) : undefined;
}

/** What an ingest of a day did to the stored papers (ingest.ts adds the day). */
export interface IngestCounts {
  /** Papers seen for the first time. */
  new: number;
  /** Known papers whose data changed (new counts, a fixed title…). */
  updated: number;
  /** Known papers with nothing new. */
  unchanged: number;
  /** Items that are not usable papers, each named in a warning. */
  skipped: number;
}

/**
 * Keeps one ingest of `day` as it ended: its counts when it stored the day, or the error that
 * stored nothing (then `counts` is null, as the table requires).
 */
export async function recordIngestRun(
  db: Queryable,
  p: {
    day: string;
    /** The source's description. */
    source: string;
    counts: IngestCounts | null;
    error: string | null;
    startedAt: Date;
    /** The error is an answer that would have emptied a day with papers (IngestAnomaly). */
    anomaly: boolean;
  },
): Promise<void> {
  await db.query(sql.recordIngestRun, [
    p.day,
    p.source,
    p.counts?.new ?? null,
    p.counts?.updated ?? null,
    p.counts?.unchanged ?? null,
    p.counts?.skipped ?? null,
    p.error,
    p.startedAt,
    p.anomaly,
  ]);
}

export interface IngestRun {
  id: number;
  day: string;
  source: string;
  /** null when the run failed */
  counts: IngestCounts | null;
  error: string | null;
  /** The run failed because its answer would have emptied a day with papers (IngestAnomaly). */
  anomaly: boolean;
  startedAt: Date;
  durationMs: number;
}

interface IngestRunRow {
  id: string;
  day: string;
  source: string;
  new_count: number | null;
  updated_count: number | null;
  unchanged_count: number | null;
  skipped_count: number | null;
  error: string | null;
  anomaly: boolean;
  started_at: Date;
  finished_at: Date;
}

/** The latest `limit` ingests, newest first. */
export async function recentIngestRuns(db: Queryable, p: { limit: number }): Promise<IngestRun[]> {
  const { rows } = await db.query<IngestRunRow>(sql.recentIngestRuns, [p.limit]);
  return rows.map((row) => ({
    id: Number(row.id),
    day: row.day,
    source: row.source,
    counts:
      row.error === null
        ? {
            new: row.new_count ?? 0,
            updated: row.updated_count ?? 0,
            unchanged: row.unchanged_count ?? 0,
            skipped: row.skipped_count ?? 0,
          }
        : null,
    error: row.error,
    anomaly: row.anomaly,
    startedAt: row.started_at,
    durationMs: row.finished_at.getTime() - row.started_at.getTime(),
  }));
}

/** Ingests by outcome (stored, failed, anomaly), for the metrics. */
export async function countIngestRuns(db: Queryable): Promise<Array<{ outcome: string; count: number }>> {
  const { rows } = await db.query<{ outcome: string; count: number }>(sql.countIngestRuns);
  return rows;
}

export interface DayIngestState {
  /** When the latest successful ingest that started after the day ended (UTC) started. */
  completeAt: Date | null;
  /** The latest ingest of the day, whatever its outcome. */
  last: { at: Date; error: string | null } | null;
}

/** What the ingests of `day` say about its list: complete or not, and how the last one went. */
export async function dayIngestState(db: Queryable, p: { day: string }): Promise<DayIngestState> {
  const { rows } = await db.query<{
    complete_at: Date | null;
    last_at: Date | null;
    last_error: string | null;
  }>(sql.dayIngestState, [p.day]);
  const row = rows[0];
  return {
    completeAt: row?.complete_at ?? null,
    last: row?.last_at ? { at: row.last_at, error: row.last_error } : null,
  };
}
