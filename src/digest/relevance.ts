import { LRUCache } from 'lru-cache';
import { stemmer } from 'stemmer';
import { eng, removeStopwords } from 'stopword';

/**
 * A reader's relevance model: a Rocchio profile in a TF-IDF space.
 *
 * Why Rocchio and not a classifier (arxiv-sanity-lite trains a linear SVM per tag): a reader gives
 * a handful of answers, often only likes; a profile vector is defined from one example on, cannot
 * overfit a class it never saw, needs no training step, and costs one sparse dot product per
 * paper, so ranking 100,000 readers is a matter of seconds (EVALUATION.md compares it with
 * keywords alone and with trending).
 *
 *   profile = ALPHA · keywords + BETA · mean(liked papers) − GAMMA · mean(disliked papers)
 *   relevance(paper) = cosine(profile, paper)
 *
 * Features: the words of the title (counted twice) and the abstract, lower-cased, English stop words and the boilerplate of abstracts removed (stopword),
 * stemmed (stemmer, Porter); weights 1 + log(tf) times a smoothed idf over the edition's papers,
 * then L2-normalised. TF-IDF itself is a few lines over Maps: the libraries that offer it (natural)
 * bring a large toolkit this does not use, and none keeps sparse vectors we can add and dot.
 *
 * Not the API's AI keywords or summary: they are missing on every item for weeks at a time (the
 * real days of July 2026), so features built on them would change meaning from one week to the
 * next, and on real days they added nothing the abstract did not say (EVALUATION.md).
 */
const ROCCHIO = { alpha: 1, beta: 0.75, gamma: 0.5 } as const;

/** Words every abstract uses: they tell no topic apart. */
const BOILERPLATE = [
  'paper',
  'propose',
  'proposed',
  'approach',
  'method',
  'methods',
  'result',
  'results',
  'show',
  'shows',
  'demonstrate',
  'novel',
  'existing',
  'work',
  'using',
  'based',
  'achieve',
  'achieves',
  'state-of-the-art',
  'art',
  'state',
  'introduce',
  'present',
  'new',
  'also',
];
const STOP_WORDS = [...eng, ...BOILERPLATE];

export type Vector = Map<string, number>;

export interface TextOfPaper {
  arxivId: string;
  title: string;
  abstract: string;
}

export function terms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}-]*/gu) ?? [];
  return removeStopwords(
    words.filter((word) => word.length > 1),
    STOP_WORDS,
  ).map((word) => stemmer(word));
}

/**
 * A paper's terms, stemmed once per process: the same liked paper shapes many readers' profiles,
 * and stemming its abstract is most of what a profile costs. A paper's text does not change once
 * featured (ingest.ts), and the cache is bounded.
 */
const paperTerms = new LRUCache<string, string[]>({ max: 20_000 });

function termsOfPaper(paper: TextOfPaper): string[] {
  const key = `${paper.arxivId}\n${paper.title}`;
  let cached = paperTerms.get(key);
  if (!cached) {
    const title = terms(paper.title);
    cached = [...title, ...title, ...terms(paper.abstract)];
    paperTerms.set(key, cached);
  }
  return cached;
}

function normalise(vector: Vector): Vector {
  let norm = 0;
  for (const value of vector.values()) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  for (const [term, value] of vector) vector.set(term, value / norm);
  return vector;
}

export function dot(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let sum = 0;
  for (const [term, value] of small) {
    const other = large.get(term);
    if (other !== undefined) sum += value * other;
  }
  return sum;
}

/** The idf of an edition's papers; a term none of them has gets the highest weight. */
export class Vocabulary {
  private readonly documentFrequency = new Map<string, number>();
  private readonly documents: number;

  constructor(papers: TextOfPaper[]) {
    this.documents = papers.length;
    for (const paper of papers)
      for (const term of new Set(termsOfPaper(paper)))
        this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
  }

  private idf(term: string): number {
    return Math.log((1 + this.documents) / (1 + (this.documentFrequency.get(term) ?? 0))) + 1;
  }

  private vectorOfTerms(list: string[]): Vector {
    const counts = new Map<string, number>();
    for (const term of list) counts.set(term, (counts.get(term) ?? 0) + 1);
    const vector: Vector = new Map();
    for (const [term, count] of counts) vector.set(term, (1 + Math.log(count)) * this.idf(term));
    return normalise(vector);
  }

  vectorOf(paper: TextOfPaper): Vector {
    return this.vectorOfTerms(termsOfPaper(paper));
  }

  vectorOfKeywords(keywords: string[]): Vector {
    return this.vectorOfTerms(terms(keywords.join(' ')));
  }
}

function addScaled(target: Vector, source: Vector, factor: number): void {
  for (const [term, value] of source) target.set(term, (target.get(term) ?? 0) + value * factor);
}

/** The reader's profile from the vectors of what they liked and disliked: all zero when nothing. */
export function profileVector(
  vocabulary: Vocabulary,
  keywords: string[],
  liked: Vector[],
  disliked: Vector[],
): Vector {
  const profile: Vector = new Map();
  if (keywords.length > 0) addScaled(profile, vocabulary.vectorOfKeywords(keywords), ROCCHIO.alpha);
  for (const vector of liked) addScaled(profile, vector, ROCCHIO.beta / liked.length);
  for (const vector of disliked) addScaled(profile, vector, -ROCCHIO.gamma / disliked.length);
  return normalise(profile);
}
