import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';
import { withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { type Frequency, ruleOf } from '../frequency.ts';
import type { Paper } from '../papers/paper.ts';
import { readiness, utcMinute, whyNoPapers } from './edition-readiness.ts';
import type { EditionPaper } from './store.ts';
import * as store from './store.ts';

export type { EditionPaper };

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

/** An edition as drafted from the stored papers: ready or empty, never waiting. */
export type DraftEdition = Edition & { status: store.StoredEditionStatus };

/** Refused: the edition's mail has started going. */
class EditionFinal extends ValidationError {
  constructor(message: string) {
    super('rebuild', message);
  }
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
  async draft(frequency: Frequency, date: string, client: Queryable = this.pool): Promise<DraftEdition> {
    const day = editionDay(frequency, date);
    const rule = ruleOf(frequency);
    const candidates = await store.candidates(client, {
      frequency,
      firstDay: day,
      lastDay: rule.lastDay(day),
      limit: rule.size,
    });
    const arxivIds = candidates.map((candidate) => candidate.arxivId);
    const stored = await store.papersByIds(client, { arxivIds });
    const byId = new Map(stored.map((paper) => [paper.arxivId, paper]));
    const papers = candidates.map((candidate, index) => ({
      ...(byId.get(candidate.arxivId) as Paper),
      position: index + 1,
      score: candidate.score,
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
    const featured = await store.featuredCount(client, { firstDay: day, lastDay: rule.lastDay(day) });
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
      const current = await store.lockEdition(client, { frequency, day });
      if (current?.status === 'ready') return undefined; // filled by another build meanwhile
      const draft = await this.draft(frequency, date, client);
      if (current) {
        // still nothing for it: it stays empty, with the reason as it is now
        await this.storeContent(client, current.id, draft, draft.papers.length > 0 ? ready.note : null);
        return draft.papers.length > 0 ? { ...draft, id: current.id, buildNote: ready.note } : undefined;
      }
      const id = await store.insertEdition(client, {
        frequency: draft.frequency,
        day: draft.day,
        status: draft.status,
        emptyReason: draft.emptyReason,
        buildNote: ready.note,
      });
      if (id === undefined) return undefined; // another process built it meanwhile
      await this.insertPapers(client, id, draft);
      return { ...draft, id, buildNote: ready.note };
    });
    if (stored) return { edition: stored, created: true };
    return { edition: (await this.find(frequency, date)) as Edition, created: false };
  }

  /** Weekdays from `since` on whose daily edition is empty: days whose papers may arrive late. */
  async emptyDailyWeekdaysSince(since: string): Promise<string[]> {
    return store.emptyDailyWeekdaysSince(this.pool, { since });
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
      const current = await store.lockEdition(client, { frequency, day });
      const draft = await this.draft(frequency, date, client);
      const note = `Rebuilt by hand at ${utcMinute(now)} from the papers stored then.`;
      if (!current) {
        const id = await store.insertEdition(client, {
          frequency,
          day,
          status: draft.status,
          emptyReason: draft.emptyReason,
          buildNote: note,
        });
        if (id !== undefined) await this.insertPapers(client, id, draft);
        return;
      }
      const taken = await store.deliveriesTakenOf(client, { editionId: current.id });
      if (taken > 0) {
        throw new EditionFinal(
          `the ${frequency} edition of ${day} cannot be rebuilt: senders have taken ${taken} of its deliveries, and an edition never changes once its mail has started going`,
        );
      }
      await this.storeContent(client, current.id, draft, note);
    });
    return (await this.find(frequency, date)) as Edition;
  }

  private async storeContent(client: Queryable, id: number, draft: DraftEdition, note: string | null) {
    await store.updateEdition(client, {
      editionId: id,
      status: draft.status,
      emptyReason: draft.emptyReason,
      buildNote: note,
    });
    await store.deleteEditionPapers(client, { editionId: id });
    await this.insertPapers(client, id, draft);
  }

  private async insertPapers(client: Queryable, id: number, draft: DraftEdition) {
    await store.insertEditionPapers(client, { editionId: id, papers: draft.papers });
  }

  async find(frequency: Frequency, date: string): Promise<Edition | undefined> {
    const stored = await store.findEdition(this.pool, { frequency, day: editionDay(frequency, date) });
    return stored ? this.withPapers(stored) : undefined;
  }

  /** The days of the ready editions before and after this one, of the same frequency. */
  async neighbours(
    edition: Pick<Edition, 'frequency' | 'day'>,
  ): Promise<{ previous: string | null; next: string | null }> {
    return store.neighbours(this.pool, { frequency: edition.frequency, day: edition.day });
  }

  async findById(id: number): Promise<Edition | undefined> {
    const stored = await store.findEditionById(this.pool, { id });
    return stored ? this.withPapers(stored) : undefined;
  }

  /** The stored edition, or what it would be (for previews: nothing is stored). */
  async findOrDraft(frequency: Frequency, date: string): Promise<Edition> {
    return (await this.find(frequency, date)) ?? this.draft(frequency, date);
  }

  async list(options: { onlyReady: boolean; limit: number }) {
    return store.listEditions(this.pool, {
      status: options.onlyReady ? 'ready' : null,
      limit: options.limit,
    });
  }

  private async withPapers(stored: store.StoredEdition): Promise<Edition> {
    return {
      id: stored.id,
      frequency: stored.frequency,
      day: stored.day,
      status: stored.status,
      emptyReason: stored.emptyReason,
      buildNote: stored.buildNote,
      papers: await store.editionPapers(this.pool, { editionId: stored.id }),
    };
  }
}
