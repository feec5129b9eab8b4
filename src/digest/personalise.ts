import type { Preferences } from '../subscribers/preferences.ts';
import type { Edition, EditionPaper } from './editions.ts';
import { KeywordMatcher } from './keywords.ts';

export interface SelectedPaper {
  paper: EditionPaper;
  /** Its place in this subscriber's digest, from 1. */
  rank: number;
  /** The subscriber's keyword it matched, if any. */
  matched: string | undefined;
}

export type PersonalPreferences = Pick<Preferences, 'keywords' | 'keywordMode' | 'maxPapers'>;

/**
 * A subscriber's digest from an edition: papers matching their keywords first (marked with
 * the keyword), then the rest in edition order, up to maxPapers. In `only` mode just the
 * matching papers: none means no mail (an empty array).
 */
export function selectPapers(edition: Edition, preferences: PersonalPreferences): SelectedPaper[] {
  // subscribers share a handful of profiles: each is worked out once per edition
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

function computeSelection(edition: Edition, preferences: PersonalPreferences): SelectedPaper[] {
  const matcher = new KeywordMatcher(preferences.keywords);
  const matched: Array<Omit<SelectedPaper, 'rank'>> = [];
  const others: Array<Omit<SelectedPaper, 'rank'>> = [];
  for (const paper of edition.papers) {
    const keyword = matcher.isEmpty ? undefined : matcher.match(paper);
    (keyword ? matched : others).push({ paper, matched: keyword });
  }
  const chosen = preferences.keywordMode === 'only' && !matcher.isEmpty ? matched : [...matched, ...others];
  return chosen.slice(0, preferences.maxPapers).map((selected, index) => ({ ...selected, rank: index + 1 }));
}

/**
 * What makes two subscribers' digests identical apart from their links: the edition, the
 * papers chosen and the keywords they matched. Rendering is cached under this key.
 */
export function variantKey(edition: Edition, selection: SelectedPaper[]): string {
  return `${edition.frequency}:${edition.day}:${edition.id ?? 'draft'}:${selection
    .map((s) => `${s.paper.arxivId}${s.matched ? `=${s.matched.toLowerCase()}` : ''}`)
    .join(',')}`;
}
