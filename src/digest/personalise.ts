import type { ReaderFeedback } from '../subscribers/feedback.ts';
import { DEFAULT_PERSONALISATION, type Preferences } from '../subscribers/preferences.ts';
import type { Edition, EditionPaper } from './editions.ts';
import { KeywordMatcher } from './keywords.ts';
import { dot, profileVector, type Vector, Vocabulary } from './relevance.ts';

/** Why a paper is in a reader's digest, in the words the mail shows. */
export type Reason =
  | { kind: 'follow'; author: string }
  | { kind: 'organisation'; fullname: string }
  | { kind: 'keyword'; keyword: string }
  | { kind: 'like'; title: string }
  | { kind: 'less'; title: string }
  | { kind: 'trending' };

export interface SelectedPaper {
  paper: EditionPaper;
  /** Its place in this subscriber's digest, from 1. */
  rank: number;
  /** The subscriber's keyword it matched, if any. */
  matched: string | undefined;
  reason: Reason;
}

/**
 * How a reader's taste (their answers, and their keywords' words) moves papers against the
 * trending order, chosen from the evaluation on real days (EVALUATION.md, `npm run eval --
 * --validation`, never the test days):
 *
 *   relevance = profileShare · cosine(Rocchio profile, paper)
 *             + (1 − profileShare) · (nearest liked − nearestDislikedWeight · nearest disliked)
 *   place     = (1 − p) · score / top score + p · relevance / top |relevance|   (p: the dial, 0…1)
 *
 * Both terms are on one scale (the edition's best is 1), so the dial means what it says: at
 * p = 0.5 the reader's taste weighs as much as the trending order.
 *
 * The profile (relevance.ts) averages every answer: it carries a reader's field, but one answer
 * among forty weighs a fortieth, so alone it would barely move the near-duplicate of the paper just
 * answered, while papers in the packed middle of the trending order change places for a breath of
 * the whole profile. The nearest-answer term gives each answer its full weight for the papers most
 * like it: the paper most similar to one a reader answered moves furthest, up for "more", down for
 * "less", and that answer is the reason the card states.
 */
export const LEARNING = {
  profileShare: 0.75,
  nearestDislikedWeight: 0.75,
} as const;

/** Settings the evaluation (bench/eval.ts) varies; the product always uses LEARNING. */
export type LearningSettings = { -readonly [K in keyof typeof LEARNING]: number };

/** A paper at least this close to an answered one says so ("like …", "less like …"). */
const REASON_SIMILARITY = 0.15;

/** What selection reads of a reader's preferences; the dial and muted words default when absent. */
export type PersonalPreferences = Pick<Preferences, 'keywords' | 'keywordMode' | 'maxPapers'> &
  Partial<Pick<Preferences, 'personalisation' | 'mutedKeywords'>>;

/**
 * A subscriber's digest from an edition, up to maxPapers (computeSelection): followed authors'
 * papers and papers matching their keywords first, each saying why it is there. In `only` mode
 * none of those means no mail (an empty array).
 */
export function selectPapers(
  edition: Edition,
  preferences: PersonalPreferences,
  feedback?: ReaderFeedback,
  /** For the evaluation only (bench/eval.ts). */
  settings: LearningSettings = LEARNING,
): SelectedPaper[] {
  // a reader who taught their digest something has a ranking of their own
  if (
    feedback &&
    (feedback.signals.length > 0 || feedback.follows.length > 0 || (feedback.organisations?.length ?? 0) > 0)
  )
    return computeSelection(edition, preferences, feedback, settings);
  // the others share a handful of profiles: each is worked out once per edition
  let memo = selections.get(edition);
  if (!memo) {
    memo = new Map();
    selections.set(edition, memo);
  }
  const key = JSON.stringify([
    preferences.keywords.map((k) => k.toLowerCase()),
    preferences.keywordMode,
    preferences.maxPapers,
    personalisationOf(preferences),
    (preferences.mutedKeywords ?? []).map((k) => k.toLowerCase()),
  ]);
  let selection = memo.get(key);
  if (!selection) {
    selection = computeSelection(edition, preferences, undefined, settings);
    if (memo.size >= MEMO_PER_EDITION) memo.delete(memo.keys().next().value as string);
    memo.set(key, selection);
  }
  return selection;
}

const selections = new WeakMap<Edition, Map<string, SelectedPaper[]>>();
const MEMO_PER_EDITION = 10_000;

function personalisationOf(preferences: PersonalPreferences): number {
  return preferences.personalisation ?? DEFAULT_PERSONALISATION;
}

/** An edition's vocabulary and paper vectors, worked out once per edition. */
const editionVectors = new WeakMap<Edition, { vocabulary: Vocabulary; vectors: Vector[] }>();

function vectorsOf(edition: Edition) {
  let cached = editionVectors.get(edition);
  if (!cached) {
    const vocabulary = new Vocabulary(edition.papers);
    cached = { vocabulary, vectors: edition.papers.map((paper) => vocabulary.vectorOf(paper)) };
    editionVectors.set(edition, cached);
  }
  return cached;
}

/**
 * Never a paper whose title or abstract names a muted word, whatever else ranks it. Then papers
 * by followed authors and organisations first, then those matching the reader's keywords, then the rest; in
 * each group the edition's (trending) order blended with the reader's taste (LEARNING) as far as
 * their dial says. At 0 on the dial the order is the trending one, keywords only marked. In `only`
 * mode just the followed and matching papers.
 */
function computeSelection(
  edition: Edition,
  preferences: PersonalPreferences,
  feedback: ReaderFeedback | undefined,
  settings: LearningSettings,
): SelectedPaper[] {
  const matcher = new KeywordMatcher(preferences.keywords);
  const muted = new KeywordMatcher(preferences.mutedKeywords ?? []);
  const followed = new Set(feedback?.follows ?? []);
  const organisations = new Map((feedback?.organisations ?? []).map((o) => [o.name, o.fullname]));
  const dial = personalisationOf(preferences) / 100;
  const taste =
    dial > 0 && ((feedback?.signals.length ?? 0) > 0 || !matcher.isEmpty)
      ? readerTaste(edition, preferences.keywords, feedback?.signals ?? [], settings)
      : undefined;
  const topScore = Math.max(...edition.papers.map((paper) => paper.score), Number.EPSILON);
  const candidates = edition.papers.map((paper, index) => {
    const author = paper.authors.find((a) => followed.has(a.name))?.name;
    const organisation = paper.organization ? organisations.get(paper.organization.name) : undefined;
    const keyword = matcher.isEmpty ? undefined : matcher.match(paper);
    const answer = taste?.reasonFor(index);
    const reason: Reason = author
      ? { kind: 'follow', author }
      : organisation
        ? { kind: 'organisation', fullname: organisation }
        : keyword
          ? { kind: 'keyword', keyword }
          : (answer ?? { kind: 'trending' });
    const group = author || organisation ? 0 : keyword && dial > 0 ? 1 : 2;
    const blended = taste ? (1 - dial) * (paper.score / topScore) + dial * taste.relevance(index) : -index;
    return { paper, matched: keyword, reason, group, blended, index };
  });
  const onlyMatching = preferences.keywordMode === 'only' && !matcher.isEmpty;
  return candidates
    .filter((c) => muted.isEmpty || muted.matchTitleOrAbstract(c.paper) === undefined)
    .filter((c) => !onlyMatching || c.group === 0 || c.matched)
    .sort((a, b) => a.group - b.group || b.blended - a.blended || a.index - b.index)
    .slice(0, preferences.maxPapers)
    .map(({ paper, matched, reason }, index) => ({ paper, matched, reason, rank: index + 1 }));
}

/**
 * The reader's relevance for each paper of the edition (LEARNING), and the answer that moved it
 * most: the nearest liked paper of one it rose for, the nearest disliked one of one it fell for.
 */
function readerTaste(
  edition: Edition,
  keywords: string[],
  signals: ReaderFeedback['signals'],
  settings: LearningSettings,
) {
  const { vocabulary, vectors } = vectorsOf(edition);
  const answered = signals.map((s) => ({ title: s.title, signal: s.signal, vector: vocabulary.vectorOf(s) }));
  const liked = answered.filter((a) => a.signal === 1);
  const disliked = answered.filter((a) => a.signal === -1);
  const profile = profileVector(
    vocabulary,
    keywords,
    liked.map((a) => a.vector),
    disliked.map((a) => a.vector),
  );
  const nearest = (list: typeof answered, vector: Vector) => {
    let best = { title: '', similarity: 0 };
    for (const answer of list) {
      const similarity = dot(answer.vector, vector);
      if (similarity > best.similarity) best = { title: answer.title, similarity };
    }
    return best;
  };
  const parts = vectors.map((vector) => {
    const like = nearest(liked, vector);
    const dislike = nearest(disliked, vector);
    const fromAnswers = like.similarity - settings.nearestDislikedWeight * dislike.similarity;
    return {
      relevance: settings.profileShare * dot(profile, vector) + (1 - settings.profileShare) * fromAnswers,
      like,
      dislike,
      fromAnswers,
    };
  });
  const top = Math.max(...parts.map((part) => Math.abs(part.relevance)), Number.EPSILON);
  return {
    /** -1 … 1: the edition's most relevant (or least) paper at ±1. */
    relevance: (index: number) => (parts[index] as (typeof parts)[number]).relevance / top,
    reasonFor(index: number): Reason | undefined {
      const { like, dislike, fromAnswers } = parts[index] as (typeof parts)[number];
      const paper = edition.papers[index];
      if (fromAnswers > 0 && like.similarity >= REASON_SIMILARITY && like.title !== paper?.title)
        return { kind: 'like', title: like.title };
      if (fromAnswers < 0 && dislike.similarity >= REASON_SIMILARITY && dislike.title !== paper?.title)
        return { kind: 'less', title: dislike.title };
      return undefined;
    },
  };
}

/** The few words a card shows on why the paper is there. */
export function reasonText(reason: Reason): string {
  switch (reason.kind) {
    case 'follow':
      return `by ${reason.author}, whom you follow`;
    case 'organisation':
      return `from ${reason.fullname}, which you follow`;
    case 'keyword':
      return `matches “${reason.keyword}”`;
    case 'like':
      return `like “${reason.title}”, which you liked`;
    case 'less':
      return `less like “${reason.title}”, which you wanted less of`;
    case 'trending':
      return 'trending';
  }
}
