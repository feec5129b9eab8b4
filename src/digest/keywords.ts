import { stemmer } from 'stemmer';
import type { Paper } from '../papers/paper.ts';

/**
 * Keyword matching: case-insensitive, whole words, through the Porter stemmer, so "agent"
 * matches "Agents" and "reinforcement learning" matches "reinforcement-learned", while "art"
 * never matches "party". A keyword of several words matches those words in sequence.
 */
function stems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => stemmer(word));
}

function containsSequence(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

// A paper's stemmed fields, computed once: an edition is matched against every subscriber's
// keywords, and stemming its abstracts again for each would cost milliseconds per recipient.
const stemmedFields = new WeakMap<object, string[][]>();

function fieldsOf(paper: Pick<Paper, 'title' | 'abstract' | 'aiKeywords'>): string[][] {
  let fields = stemmedFields.get(paper);
  if (!fields) {
    // the AI keywords are separate phrases: a sequence must not run from one into the next
    fields = [paper.title, paper.abstract, ...paper.aiKeywords].map(stems);
    stemmedFields.set(paper, fields);
  }
  return fields;
}

export class KeywordMatcher {
  private readonly keywords: Array<{ keyword: string; stems: string[] }>;

  constructor(keywords: string[]) {
    this.keywords = keywords
      .map((keyword) => ({ keyword, stems: stems(keyword) }))
      .filter((k) => k.stems.length > 0);
  }

  get isEmpty(): boolean {
    return this.keywords.length === 0;
  }

  /** The first of the subscriber's keywords the paper matches (title, abstract, AI keywords), if any. */
  match(paper: Pick<Paper, 'title' | 'abstract' | 'aiKeywords'>): string | undefined {
    const fields = fieldsOf(paper);
    return this.keywords.find((k) => fields.some((field) => containsSequence(field, k.stems)))?.keyword;
  }

  /**
   * The first keyword the title or abstract names, if any: for muted words, which must hold
   * whether or not the API sent AI keywords that day.
   */
  matchTitleOrAbstract(paper: Pick<Paper, 'title' | 'abstract' | 'aiKeywords'>): string | undefined {
    const [title = [], abstract = []] = fieldsOf(paper);
    return this.keywords.find((k) => containsSequence(title, k.stems) || containsSequence(abstract, k.stems))
      ?.keyword;
  }
}

/** A piece of text, and whether it is where a keyword matched. */
export interface MarkedPart {
  text: string;
  mark: boolean;
}

/**
 * The text cut into parts, the words that match the keyword (by the same rule as matching:
 * whole words, stemmed, in sequence) marked, so a mail can highlight what matched.
 */
export function markKeyword(text: string, keyword: string): MarkedPart[] {
  const needle = stems(keyword);
  const words = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
  const wordStems = words.map((word) => stemmer(word[0].toLowerCase()));
  const parts: MarkedPart[] = [];
  let last = 0;
  for (let i = 0; needle.length > 0 && i + needle.length <= words.length; i++) {
    if (!needle.every((stem, j) => wordStems[i + j] === stem)) continue;
    const first = words[i] as RegExpExecArray;
    const end = words[i + needle.length - 1] as RegExpExecArray;
    if (first.index > last) parts.push({ text: text.slice(last, first.index), mark: false });
    parts.push({ text: text.slice(first.index, end.index + end[0].length), mark: true });
    last = end.index + end[0].length;
    i += needle.length - 1;
  }
  if (last < text.length) parts.push({ text: text.slice(last), mark: false });
  return parts;
}
