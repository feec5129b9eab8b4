import { describe, expect, it } from 'vitest';
import { loadDays, nearDuplicate, withPaper } from '../bench/lib/eval-days.ts';
import type { Edition, EditionPaper } from '../src/digest/editions.ts';
import { reasonText, selectPapers } from '../src/digest/personalise.ts';
import { Vocabulary } from '../src/digest/relevance.ts';
import type { ReaderFeedback, SignalledPaper } from '../src/subscribers/feedback.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';

// The learned ranking on real days (tests/fixtures/hf-real): what one answer does to the paper
// most like the one answered, and what the card then says.

const FIXTURES = new URL('./fixtures/hf-real', import.meta.url).pathname;
const days = loadDays(FIXTURES);
const everything = { ...DEFAULT_PREFERENCES, maxPapers: 50 };

const answered = (paper: EditionPaper, signal: 1 | -1): SignalledPaper => ({
  ...paper,
  signal,
  at: new Date(),
});

/**
 * A reader who has answered for a fortnight: "more" on the first three papers of each day, "less"
 * on the next two (the days before 2026-05-29 and after, up to 06-03).
 */
const history: SignalledPaper[] = days
  .filter((d) => d.day >= '2026-05-18' && d.day <= '2026-06-03' && d.day !== '2026-05-29')
  .flatMap((d) => d.edition.papers.slice(0, 5).map((p, i) => answered(p, i < 3 ? 1 : -1)));

// "How LoRA Remembers?", a real paper of 2026-05-29, and that day's other papers, two of them LoRA variants
const day = days.find((d) => d.day === '2026-05-29')?.edition as Edition;
const lora = day.papers.find((p) => p.arxivId === '2605.30260') as EditionPaper;
const others: Edition = { ...day, papers: day.papers.filter((p) => p !== lora) };

function placesOf(edition: Edition, feedback?: ReaderFeedback) {
  const selection = selectPapers(edition, everything, feedback);
  return new Map(selection.map((s) => [s.paper.arxivId, s]));
}

describe('one answer on a real paper', () => {
  // the near-duplicate high in the trending order (4th), where the old model left it in place
  const place = others.papers[3] as EditionPaper;
  const edition = withPaper(others, nearDuplicate(lora, '2699.00001', place.score + 1e-6));

  for (const signal of [1, -1] as const) {
    it(`moves its near-duplicate furthest of all papers, ${signal === 1 ? 'up for "more"' : 'down for "less"'}`, () => {
      const before = placesOf(edition, { signals: history, follows: [] });
      const after = placesOf(edition, { signals: [...history, answered(lora, signal)], follows: [] });
      const rose = (id: string) => (before.get(id)?.rank as number) - (after.get(id)?.rank as number);
      const mine = rose('2699.00001') * signal;
      expect(mine).toBeGreaterThan(0);
      for (const paper of edition.papers.filter((p) => p.arxivId !== '2699.00001'))
        expect(rose(paper.arxivId) * signal, paper.title).toBeLessThan(mine);
    });
  }

  it('says why: "like <title>" after "more", "less like <title>" after "less"', () => {
    const liked = placesOf(edition, { signals: [answered(lora, 1)], follows: [] }).get('2699.00001');
    expect(liked?.reason).toEqual({ kind: 'like', title: lora.title });
    expect(reasonText(liked?.reason ?? { kind: 'trending' })).toContain(lora.title);
    const disliked = placesOf(edition, { signals: [answered(lora, -1)], follows: [] }).get('2699.00001');
    expect(disliked?.reason).toEqual({ kind: 'less', title: lora.title });
    expect(reasonText(disliked?.reason ?? { kind: 'trending' })).toBe(
      `less like “${lora.title}”, which you wanted less of`,
    );
  });

  it('moves nothing for a reader who did not answer', () => {
    const trending = [...placesOf(edition).keys()];
    expect(trending).toEqual(edition.papers.map((p) => p.arxivId));
  });
});

describe('the AI fields', () => {
  it('are not features: a paper reads the same to the model with or without them', () => {
    const paper = day.papers.find((p) => p.aiKeywords.length > 0) as EditionPaper;
    const bare = { ...paper, arxivId: `${paper.arxivId}-bare`, aiKeywords: [], aiSummary: null };
    const vocabulary = new Vocabulary([paper, bare]);
    expect([...vocabulary.vectorOf(bare)]).toEqual([...vocabulary.vectorOf(paper)]);
  });
});

describe('muted words and the dial', () => {
  const edition = days.find((d) => d.day === '2026-06-10')?.edition as Edition;

  it('never send a paper whose title or abstract names a muted word, stemmed, whatever else ranks it', () => {
    const named = edition.papers.filter((p) => /\bbenchmark/i.test(`${p.title} ${p.abstract}`));
    expect(named.length).toBeGreaterThan(0);
    const author = (named[0] as EditionPaper).authors[0]?.name as string;
    const selection = selectPapers(
      edition,
      { ...everything, keywords: ['benchmark'], mutedKeywords: ['Benchmarks'] },
      { signals: [answered(named[0] as EditionPaper, 1)], follows: [author] },
    );
    const ids = new Set(selection.map((s) => s.paper.arxivId));
    for (const paper of named) expect(ids.has(paper.arxivId), paper.title).toBe(false);
    expect(selection).toHaveLength(edition.papers.length - named.length);
  });

  it('at 0 keeps the trending order, keywords only marked; further along, taste moves papers more', () => {
    const feedback = { signals: history, follows: [] };
    const trending = edition.papers.map((p) => p.arxivId);
    const at = (personalisation: number) =>
      selectPapers(edition, { ...everything, keywords: ['agent'], personalisation }, feedback);
    expect(at(0).map((s) => s.paper.arxivId)).toEqual(trending);
    expect(at(0).some((s) => s.matched === 'agent')).toBe(true);
    const moved = (personalisation: number) =>
      at(personalisation).reduce(
        (sum, s) => sum + Math.abs(trending.indexOf(s.paper.arxivId) - (s.rank - 1)),
        0,
      );
    expect(moved(25)).toBeGreaterThan(0);
    expect(moved(100)).toBeGreaterThan(moved(25));
  });
});
