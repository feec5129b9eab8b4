import type pg from 'pg';
import { addDays } from '../dates.ts';
import type { Queryable } from '../db/transaction.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Frequency } from '../frequency.ts';
import { type Paper, type PaperRow, toPaper } from '../papers/paper.ts';
import { digestQueries as sql } from './queries.ts';

/** A weekly edition keeps the best papers of its week: room for keyword matches beyond 50. */
const WEEKLY_EDITION_SIZE = 100;

export interface EditionPaper extends Paper {
  position: number;
  score: number;
}

export interface Edition {
  /** Undefined for an edition drafted for a preview and not stored. */
  id: number | undefined;
  frequency: Frequency;
  /** Daily: the day; weekly: the Monday of the ISO week. */
  day: string;
  status: 'ready' | 'empty';
  emptyReason: string | null;
  papers: EditionPaper[];
}

interface EditionRow {
  id: number;
  frequency: Frequency;
  day: string;
  status: 'ready' | 'empty';
  empty_reason: string | null;
}

/** The day an edition is keyed by: the date itself, or the Monday of its ISO week. */
export function editionDay(frequency: Frequency, date: string): string {
  if (frequency === 'daily') return date;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * Editions: for a date and a frequency, the frozen, ordered papers every subscriber of that
 * frequency is sent a selection of. Daily: the papers featured that day, by trending score.
 * Weekly: the ISO week's papers, each once, top by score. A paper already in an earlier
 * edition of the same frequency is left out. Once stored, an edition never changes.
 */
export class Editions {
  constructor(private readonly pool: pg.Pool) {}

  /** What the edition would hold now, without storing it. */
  async draft(frequency: Frequency, date: string, client: Queryable = this.pool): Promise<Edition> {
    const day = editionDay(frequency, date);
    const candidates =
      frequency === 'daily'
        ? await client.query<{ arxiv_id: string; score: number }>(sql.dailyCandidates, [day])
        : await client.query<{ arxiv_id: string; score: number }>(sql.weeklyCandidates, [
            day,
            WEEKLY_EDITION_SIZE,
          ]);
    const ids = candidates.rows.map((row) => row.arxiv_id);
    const rows = await client.query<PaperRow>(sql.papersByIds, [ids]);
    const byId = new Map(rows.rows.map((row) => [row.arxiv_id, toPaper(row)]));
    const papers = candidates.rows.map((row, index) => ({
      ...(byId.get(row.arxiv_id) as Paper),
      position: index + 1,
      score: row.score,
    }));
    const emptyReason = papers.length > 0 ? null : await this.explainEmpty(client, frequency, day);
    return {
      id: undefined,
      frequency,
      day,
      status: papers.length > 0 ? 'ready' : 'empty',
      emptyReason,
      papers,
    };
  }

  private async explainEmpty(client: Queryable, frequency: Frequency, day: string): Promise<string> {
    const last = frequency === 'daily' ? day : addDays(day, 6);
    const span = frequency === 'daily' ? day : `the week of ${day} (to ${last})`;
    const { rows } = await client.query<{ count: number }>(sql.featuredCount, [day, last]);
    const featured = rows[0]?.count ?? 0;
    if (featured === 0) {
      return `No papers were featured on ${span}: not ingested yet, or a day without papers (Hugging Face publishes on weekdays).`;
    }
    return `All ${featured} papers featured on ${span} were already sent in earlier ${frequency} editions.`;
  }

  /** The stored edition, or drafts and stores it. Concurrent builds of one edition store it once. */
  async build(frequency: Frequency, date: string): Promise<{ edition: Edition; created: boolean }> {
    const existing = await this.find(frequency, date);
    if (existing) return { edition: existing, created: false };
    const created = await withTransaction(this.pool, async (client) => {
      const edition = await this.draft(frequency, date, client);
      const inserted = await client.query<{ id: number }>(sql.insertEdition, [
        edition.frequency,
        edition.day,
        edition.status,
        edition.emptyReason,
      ]);
      const id = inserted.rows[0]?.id;
      if (id === undefined) return undefined; // another process built it meanwhile
      await client.query(sql.insertEditionPapers, [
        id,
        edition.papers.map((paper) => paper.arxivId),
        edition.papers.map((paper) => paper.score),
      ]);
      return { ...edition, id };
    });
    if (created) return { edition: created, created: true };
    return { edition: (await this.find(frequency, date)) as Edition, created: false };
  }

  async find(frequency: Frequency, date: string): Promise<Edition | undefined> {
    const { rows } = await this.pool.query<EditionRow>(sql.findEdition, [
      frequency,
      editionDay(frequency, date),
    ]);
    return rows[0] ? this.withPapers(rows[0]) : undefined;
  }

  /** The days of the ready editions before and after this one, of the same frequency. */
  async neighbours(
    edition: Pick<Edition, 'frequency' | 'day'>,
  ): Promise<{ previous: string | null; next: string | null }> {
    const { rows } = await this.pool.query<{ previous: string | null; next: string | null }>(sql.neighbours, [
      edition.frequency,
      edition.day,
    ]);
    return rows[0] ?? { previous: null, next: null };
  }

  async findById(id: number): Promise<Edition | undefined> {
    const { rows } = await this.pool.query<EditionRow>(sql.findEditionById, [id]);
    return rows[0] ? this.withPapers(rows[0]) : undefined;
  }

  /** The stored edition, or what it would be (for previews: nothing is stored). */
  async findOrDraft(frequency: Frequency, date: string): Promise<Edition> {
    return (await this.find(frequency, date)) ?? this.draft(frequency, date);
  }

  async list(options: { onlyReady: boolean; limit: number }) {
    const { rows } = await this.pool.query<EditionRow & { built_at: Date; paper_count: number }>(
      sql.listEditions,
      [options.onlyReady ? 'ready' : null, options.limit],
    );
    return rows.map((row) => ({
      id: row.id,
      frequency: row.frequency,
      day: row.day,
      status: row.status,
      emptyReason: row.empty_reason,
      builtAt: row.built_at,
      paperCount: row.paper_count,
    }));
  }

  private async withPapers(row: EditionRow): Promise<Edition> {
    const { rows } = await this.pool.query<PaperRow & { position: number; score: number }>(
      sql.editionPapers,
      [row.id],
    );
    return {
      id: row.id,
      frequency: row.frequency,
      day: row.day,
      status: row.status,
      emptyReason: row.empty_reason,
      papers: rows.map((paper) => ({ ...toPaper(paper), position: paper.position, score: paper.score })),
    };
  }
}
