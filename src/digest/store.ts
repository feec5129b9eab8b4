import type { Queryable } from '../db/transaction.ts';
import type { Frequency } from '../frequency.ts';
import type { Paper } from '../papers/paper.ts';
import { type PaperRow, toPaper } from '../papers/paper-row.ts';
import { digestQueries as sql } from './queries.ts';

/**
 * The digest room's statements as typed functions, `(db, {named params}) => values`: editions
 * call these with the pool, or with the client of the transaction they build in, never the SQL
 * strings, so a statement and its parameters cannot drift apart.
 */

/** What a stored edition can be: a waiting edition is never stored. */
export type StoredEditionStatus = 'ready' | 'empty';

/** An editions row, without its papers. */
export interface StoredEdition {
  id: number;
  frequency: Frequency;
  /** The day it is keyed by (frequency.ts), YYYY-MM-DD. */
  day: string;
  status: StoredEditionStatus;
  emptyReason: string | null;
  buildNote: string | null;
  builtAt: Date;
}

interface EditionRow {
  id: number;
  frequency: Frequency;
  day: string;
  status: StoredEditionStatus;
  empty_reason: string | null;
  build_note: string | null;
  built_at: Date;
}

function toStoredEdition(row: EditionRow): StoredEdition {
  return {
    id: row.id,
    frequency: row.frequency,
    day: row.day,
    status: row.status,
    emptyReason: row.empty_reason,
    buildNote: row.build_note,
    builtAt: row.built_at,
  };
}

/** An edition's span: its first and last day, both included. */
interface Span {
  firstDay: string;
  lastDay: string;
}

/**
 * The papers an edition of `frequency` would hold: those featured in its span, each once at its
 * best score, best first, at most `limit` (null: all), without those already in an earlier
 * edition of that frequency.
 */
export async function candidates(
  db: Queryable,
  p: Span & { frequency: Frequency; limit: number | null },
): Promise<Array<{ arxivId: string; score: number }>> {
  const { rows } = await db.query<{ arxiv_id: string; score: number }>(sql.candidates, [
    p.firstDay,
    p.lastDay,
    p.limit,
    p.frequency,
  ]);
  return rows.map((row) => ({ arxivId: row.arxiv_id, score: row.score }));
}

/** How many papers were featured in the span at all: to explain an empty edition. */
export async function featuredCount(db: Queryable, p: Span): Promise<number> {
  const { rows } = await db.query<{ count: number }>(sql.featuredCount, [p.firstDay, p.lastDay]);
  return rows[0]?.count ?? 0;
}

/**
 * Takes the (frequency, day) slot for a new edition. Returns its id, or undefined when another
 * build already has the slot.
 */
export async function insertEdition(
  db: Queryable,
  p: {
    frequency: Frequency;
    day: string;
    status: StoredEditionStatus;
    emptyReason: string | null;
    buildNote: string | null;
  },
): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(sql.insertEdition, [
    p.frequency,
    p.day,
    p.status,
    p.emptyReason,
    p.buildNote,
  ]);
  return rows[0]?.id;
}

/** Stores an edition's papers in the order given: the first is position 1. */
export async function insertEditionPapers(
  db: Queryable,
  p: { editionId: number; papers: readonly Pick<EditionPaper, 'arxivId' | 'score'>[] },
): Promise<void> {
  await db.query(sql.insertEditionPapers, [
    p.editionId,
    p.papers.map((paper) => paper.arxivId),
    p.papers.map((paper) => paper.score),
  ]);
}

export async function findEdition(
  db: Queryable,
  p: { frequency: Frequency; day: string },
): Promise<StoredEdition | undefined> {
  const { rows } = await db.query<EditionRow>(sql.findEdition, [p.frequency, p.day]);
  return rows[0] ? toStoredEdition(rows[0]) : undefined;
}

export async function findEditionById(db: Queryable, p: { id: number }): Promise<StoredEdition | undefined> {
  const { rows } = await db.query<EditionRow>(sql.findEditionById, [p.id]);
  return rows[0] ? toStoredEdition(rows[0]) : undefined;
}

/**
 * The stored edition of (frequency, day), locked until the transaction ends so that one build
 * at a time fills or rebuilds it; undefined when none is stored.
 */
export async function lockEdition(
  db: Queryable,
  p: { frequency: Frequency; day: string },
): Promise<{ id: number; status: StoredEditionStatus } | undefined> {
  const { rows } = await db.query<{ id: number; status: StoredEditionStatus }>(sql.lockEdition, [
    p.frequency,
    p.day,
  ]);
  return rows[0];
}

/**
 * How many of the edition's deliveries a sender has taken: once one has, the edition never
 * changes. Locks those deliveries until the transaction ends, so that no sender takes one while
 * the edition is rebuilt.
 */
export async function deliveriesTakenOf(db: Queryable, p: { editionId: number }): Promise<number> {
  const { rows } = await db.query<{ taken: number }>(sql.deliveriesTakenOf, [p.editionId]);
  return rows[0]?.taken ?? 0;
}

/** Replaces an edition's status and notes, and stamps it built now; its papers are not touched. */
export async function updateEdition(
  db: Queryable,
  p: { editionId: number; status: StoredEditionStatus; emptyReason: string | null; buildNote: string | null },
): Promise<void> {
  await db.query(sql.updateEdition, [p.editionId, p.status, p.emptyReason, p.buildNote]);
}

export async function deleteEditionPapers(db: Queryable, p: { editionId: number }): Promise<void> {
  await db.query(sql.deleteEditionPapers, [p.editionId]);
}

/** Weekdays from `since` on whose daily edition is stored empty, oldest first: their papers may still come. */
export async function emptyDailyWeekdaysSince(db: Queryable, p: { since: string }): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(sql.emptyDailyWeekdaysSince, [p.since]);
  return rows.map((row) => row.day);
}

/** The days of the ready editions of `frequency` just before and just after `day`, or null. */
export async function neighbours(
  db: Queryable,
  p: { frequency: Frequency; day: string },
): Promise<{ previous: string | null; next: string | null }> {
  const { rows } = await db.query<{ previous: string | null; next: string | null }>(sql.neighbours, [
    p.frequency,
    p.day,
  ]);
  return rows[0] ?? { previous: null, next: null };
}

/** A paper of an edition, at its place, with the score it was ranked by. */
export interface EditionPaper extends Paper {
  position: number;
  score: number;
}

/** A stored edition's papers, in its order. */
export async function editionPapers(db: Queryable, p: { editionId: number }): Promise<EditionPaper[]> {
  const { rows } = await db.query<PaperRow & { position: number; score: number }>(sql.editionPapers, [
    p.editionId,
  ]);
  return rows.map((row) => ({ ...toPaper(row), position: row.position, score: row.score }));
}

/** The stored papers of these ids, in no particular order; an unknown id is left out. */
export async function papersByIds(db: Queryable, p: { arxivIds: readonly string[] }): Promise<Paper[]> {
  const { rows } = await db.query<PaperRow>(sql.papersByIds, [p.arxivIds]);
  return rows.map(toPaper);
}

/** The archive: stored editions newest first, with their paper counts; only of `status` unless null. */
export async function listEditions(
  db: Queryable,
  p: { status: StoredEditionStatus | null; limit: number },
): Promise<Array<StoredEdition & { paperCount: number }>> {
  const { rows } = await db.query<EditionRow & { paper_count: number }>(sql.listEditions, [
    p.status,
    p.limit,
  ]);
  return rows.map((row) => ({ ...toStoredEdition(row), paperCount: row.paper_count }));
}
