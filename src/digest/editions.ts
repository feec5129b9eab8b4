import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';
import { withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { type Frequency, ruleOf } from '../frequency.ts';
import type { Paper } from '../papers/paper.ts';
import { type PaperRow, toPaper } from '../papers/paper-row.ts';
import { readiness, utcMinute, whyNoPapers } from './edition-readiness.ts';
import { digestQueries as sql } from './queries.ts';

export interface EditionPaper extends Paper {
  position: number;
  score: number;
}

export interface Edition {
  /** Undefined for an edition drafted for a preview, or waiting, and not stored. */
  id: number | undefined;
  frequency: Frequency;
  /** The day it is keyed by (frequency.ts): the day, the Monday of the ISO week, the month's first. */
  day: string;
  /** 'waiting': not built yet, its day's list not known to be complete (edition-readiness.ts). */
  status: 'ready' | 'empty' | 'waiting';
  /** Why an empty edition is empty, or why a waiting one waits. */
  emptyReason: string | null;
  /** How it was built when not the usual way (from what was stored after the wait, by hand). */
  buildNote?: string | null;
  papers: EditionPaper[];
}

/** An edition whose list is not known to be complete yet, with why; not stored. */
function waitingEdition(frequency: Frequency, day: string, reason: string): Edition {
  return {
    id: undefined,
    frequency,
    day,
    status: 'waiting',
    emptyReason: reason,
    buildNote: null,
    papers: [],
  };
}

/** Refused: the edition's mail has started going. */
export class EditionFinal extends ValidationError {
  constructor(message: string) {
    super('rebuild', message);
  }
}

interface EditionRow {
  id: number;
  frequency: Frequency;
  day: string;
  status: 'ready' | 'empty';
  empty_reason: string | null;
  build_note: string | null;
}

/** The day an edition is keyed by (the frequency's rule). */
export function editionDay(frequency: Frequency, date: string): string {
  return ruleOf(frequency).editionDay(date);
}

/**
 * Editions: for a date and a frequency, the frozen, ordered papers every subscriber of that
 * frequency is sent a selection of: the papers featured in its span (frequency.ts: a day, an ISO
 * week, a month), each once at its best trending score, the best first. A paper already in an earlier
 * edition of the same frequency is left out. An empty edition is filled when papers for it are
 * stored; one whose mail has started going never changes.
 */
export class Editions {
  constructor(
    private readonly pool: pg.Pool,
    /** maxWaitHours: EDITION_MAX_WAIT_HOURS (edition-readiness.ts); 0, no wait past the day's end */
    private readonly options: { maxWaitHours: number } = { maxWaitHours: 0 },
  ) {}

  /** What the edition would hold now, without storing it. */
  async draft(frequency: Frequency, date: string, client: Queryable = this.pool): Promise<Edition> {
    const day = editionDay(frequency, date);
    const rule = ruleOf(frequency);
    const candidates = await client.query<{ arxiv_id: string; score: number }>(sql.candidates, [
      day,
      rule.lastDay(day),
      rule.size,
      frequency,
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
    const rule = ruleOf(frequency);
    const span = rule.describeSpan(day);
    const { rows } = await client.query<{ count: number }>(sql.featuredCount, [day, rule.lastDay(day)]);
    const featured = rows[0]?.count ?? 0;
    if (featured === 0) {
      const why =
        frequency === 'daily' ? await whyNoPapers(client, day) : `No papers were featured in ${span}.`;
      return `${why} It is filled when papers for it are stored.`;
    }
    return `All ${featured} papers featured on ${span} were already sent in earlier ${frequency} editions.`;
  }

  /**
   * The edition of a date, built if it may be (edition-readiness.ts): a stored ready edition as
   * it is; an empty one filled if papers for it have been stored since; otherwise drafted and
   * stored. An edition that must wait is returned with status 'waiting' and not stored.
   * Concurrent builds of one edition store or fill it once.
   */
  async build(
    frequency: Frequency,
    date: string,
    now = new Date(),
  ): Promise<{ edition: Edition; created: boolean }> {
    const existing = await this.find(frequency, date);
    if (existing?.status === 'ready') return { edition: existing, created: false };
    const day = editionDay(frequency, date);
    const ready = await readiness(this.pool, frequency, day, now, this.options.maxWaitHours);
    if (!ready.ready) {
      return { edition: existing ?? waitingEdition(frequency, day, ready.reason), created: false };
    }
    const stored = await withTransaction(this.pool, async (client) => {
      const locked = await client.query<{ id: number; status: string }>(sql.lockEdition, [frequency, day]);
      const current = locked.rows[0];
      if (current?.status === 'ready') return undefined; // filled by another build meanwhile
      const draft = await this.draft(frequency, date, client);
      if (current) {
        // still nothing for it: it stays empty, with the reason as it is now
        await this.storeContent(client, current.id, draft, draft.papers.length > 0 ? ready.note : null);
        return draft.papers.length > 0 ? { ...draft, id: current.id, buildNote: ready.note } : undefined;
      }
      const inserted = await client.query<{ id: number }>(sql.insertEdition, [
        draft.frequency,
        draft.day,
        draft.status,
        draft.emptyReason,
        ready.note,
      ]);
      const id = inserted.rows[0]?.id;
      if (id === undefined) return undefined; // another process built it meanwhile
      await this.insertPapers(client, id, draft);
      return { ...draft, id, buildNote: ready.note };
    });
    if (stored) return { edition: stored, created: true };
    return { edition: (await this.find(frequency, date)) as Edition, created: false };
  }

  /** Weekdays from `since` on whose daily edition is empty: days whose papers may arrive late. */
  async emptyDailyWeekdaysSince(since: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ day: string }>(sql.emptyDailyWeekdaysSince, [since]);
    return rows.map((row) => row.day);
  }

  /** The stored edition, or a waiting one saying why it is not built yet; stores nothing. */
  async state(frequency: Frequency, date: string, now = new Date()): Promise<Edition> {
    const existing = await this.find(frequency, date);
    if (existing) return existing;
    const day = editionDay(frequency, date);
    const ready = await readiness(this.pool, frequency, day, now, this.options.maxWaitHours);
    return waitingEdition(
      frequency,
      day,
      ready.ready
        ? 'Not built yet; the next run of the edition schedule (EDITION_CRON) builds it.'
        : ready.reason,
    );
  }

  /**
   * Builds the edition again from the stored papers, now, whatever its state and without
   * waiting (`digest build --rebuild`, the console). Refused once a sender has taken any of its
   * deliveries: an edition whose mail has started going never changes.
   */
  async rebuild(frequency: Frequency, date: string, now = new Date()): Promise<Edition> {
    const day = editionDay(frequency, date);
    await withTransaction(this.pool, async (client) => {
      const locked = await client.query<{ id: number }>(sql.lockEdition, [frequency, day]);
      const current = locked.rows[0];
      const draft = await this.draft(frequency, date, client);
      const note = `Rebuilt by hand at ${utcMinute(now)} from the papers stored then.`;
      if (!current) {
        const inserted = await client.query<{ id: number }>(sql.insertEdition, [
          frequency,
          day,
          draft.status,
          draft.emptyReason,
          note,
        ]);
        const id = inserted.rows[0]?.id;
        if (id !== undefined) await this.insertPapers(client, id, draft);
        return;
      }
      const { rows } = await client.query<{ taken: number }>(sql.deliveriesTakenOf, [current.id]);
      const taken = rows[0]?.taken ?? 0;
      if (taken > 0) {
        throw new EditionFinal(
          `the ${frequency} edition of ${day} cannot be rebuilt: senders have taken ${taken} of its deliveries, and an edition never changes once its mail has started going`,
        );
      }
      await this.storeContent(client, current.id, draft, note);
    });
    return (await this.find(frequency, date)) as Edition;
  }

  private async storeContent(client: Queryable, id: number, draft: Edition, note: string | null) {
    await client.query(sql.updateEdition, [id, draft.status, draft.emptyReason, note]);
    await client.query(sql.deleteEditionPapers, [id]);
    await this.insertPapers(client, id, draft);
  }

  private async insertPapers(client: Queryable, id: number, draft: Edition) {
    await client.query(sql.insertEditionPapers, [
      id,
      draft.papers.map((paper) => paper.arxivId),
      draft.papers.map((paper) => paper.score),
    ]);
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
      buildNote: row.build_note,
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
      buildNote: row.build_note,
      papers: rows.map((paper) => ({ ...toPaper(paper), position: paper.position, score: paper.score })),
    };
  }
}
