import type { ReaderFeedback } from '../subscribers/feedback.ts';
import type { Preferences } from '../subscribers/preferences.ts';
import type { Edition, EditionPaper } from './editions.ts';
import { KeywordMatcher } from './keywords.ts';
import { dot, profileVector, type Vector, Vocabulary } from './relevance.ts';

/** Why a paper is in a reader's digest, in the words the mail shows. */
export type Reason =
  | { kind: 'follow'; author: string }
  | { kind: 'keyword'; keyword: string }
  | { kind: 'like'; title: string }
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
 * How much a reader's learned relevance (a cosine, -1…1) weighs against the trending score, scaled
 * to 0…1: a strong resemblance to what they liked (cosine 0.5) outweighs the whole trending range,
 * a faint one (0.1) only nudges. EVALUATION.md has the sweep it was chosen from.
 */
export const RELEVANCE_WEIGHT = 2;
/** A paper this close to one the reader liked says so ("like …"). */
const LIKE_REASON_SIMILARITY = 0.15;

export type PersonalPreferences = Pick<Preferences, 'keywords' | 'keywordMode' | 'maxPapers'>;

/**
 * A subscriber's digest from an edition, up to maxPapers (computeSelection): followed authors'
 * papers and papers matching their keywords first, each saying why it is there. In `only` mode
 * none of those means no mail (an empty array).
 */
export function selectPapers(
  edition: Edition,
  preferences: PersonalPreferences,
  feedback?: ReaderFeedback,
  /** For the evaluation's sweep only (bench/eval.ts): the weight of learned relevance. */
  relevanceWeight = RELEVANCE_WEIGHT,
): SelectedPaper[] {
  // a reader who taught their digest something has a ranking of their own
  if (feedback && (feedback.signals.length > 0 || feedback.follows.length > 0))
    return computeSelection(edition, preferences, feedback, relevanceWeight);
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
  ]);
  let selection = memo.get(key);
  if (!selection) {
    selection = computeSelection(edition, preferences);
    if (memo.size >= MEMO_PER_EDITION) memo.delete(memo.keys().next().value as string);
    memo.set(key, selection);
  }
  return selection;
}

const selections = new WeakMap<Edition, Map<string, SelectedPaper[]>>();
const MEMO_PER_EDITION = 10_000;

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
 * Papers by followed authors first, then those matching the reader's keywords, then the rest; in
 * each group the edition's (trending) order, or, for a reader who said "more / less like this",
 * trending blended with their learned relevance. In `only` mode just the followed and matching
 * papers.
 */
function computeSelection(
  edition: Edition,
  preferences: PersonalPreferences,
  feedback?: ReaderFeedback,
  relevanceWeight = RELEVANCE_WEIGHT,
): SelectedPaper[] {
  const matcher = new KeywordMatcher(preferences.keywords);
  const followed = new Set(feedback?.follows ?? []);
  const signals = feedback?.signals ?? [];
  const learned =
    signals.length > 0
      ? learnedRelevance(edition, preferences.keywords, feedback as ReaderFeedback)
      : undefined;
  const topScore = Math.max(...edition.papers.map((paper) => paper.score), Number.EPSILON);
  const candidates = edition.papers.map((paper, index) => {
    const author = paper.authors.find((a) => followed.has(a.name))?.name;
    const keyword = matcher.isEmpty ? undefined : matcher.match(paper);
    const like = learned?.nearestLike(index);
    const reason: Reason = author
      ? { kind: 'follow', author }
      : keyword
        ? { kind: 'keyword', keyword }
        : like
          ? { kind: 'like', title: like }
          : { kind: 'trending' };
    const group = author ? 0 : keyword ? 1 : 2;
    const blended = learned ? paper.score / topScore + relevanceWeight * learned.relevance(index) : -index;
    return { paper, matched: keyword, reason, group, blended, index };
  });
  const onlyMatching = preferences.keywordMode === 'only' && !matcher.isEmpty;
  return candidates
    .filter((c) => !onlyMatching || c.group < 2)
    .sort((a, b) => a.group - b.group || b.blended - a.blended || a.index - b.index)
    .slice(0, preferences.maxPapers)
    .map(({ paper, matched, reason }, index) => ({ paper, matched, reason, rank: index + 1 }));
}

/** The reader's relevance for each paper of the edition, and the liked paper each is nearest to. */
function learnedRelevance(edition: Edition, keywords: string[], feedback: ReaderFeedback) {
  const { vocabulary, vectors } = vectorsOf(edition);
  const likedVectors = feedback.signals
    .filter((s) => s.signal === 1)
    .map((paper) => ({ title: paper.title, vector: vocabulary.vectorOf(paper) }));
  const dislikedVectors = feedback.signals
    .filter((s) => s.signal === -1)
    .map((paper) => vocabulary.vectorOf(paper));
  const profile = profileVector(
    vocabulary,
    keywords,
    likedVectors.map((like) => like.vector),
    dislikedVectors,
  );
  return {
    relevance: (index: number) => dot(profile, vectors[index] as Vector),
    nearestLike(index: number): string | undefined {
      const paper = edition.papers[index];
      let best: { title: string; similarity: number } | undefined;
      for (const like of likedVectors) {
        if (like.title === paper?.title) continue;
        const similarity = dot(like.vector, vectors[index] as Vector);
        if (similarity >= LIKE_REASON_SIMILARITY && similarity > (best?.similarity ?? 0))
          best = { title: like.title, similarity };
      }
      return best?.title;
    },
  };
}

/** The few words a card shows on why the paper is there. */
export function reasonText(reason: Reason): string {
  switch (reason.kind) {
    case 'follow':
      return `by ${reason.author}, whom you follow`;
    case 'keyword':
      return `matches “${reason.keyword}”`;
    case 'like':
      return `like “${reason.title}”, which you liked`;
    case 'trending':
      return 'trending';
  }
}
