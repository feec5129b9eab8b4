import type { Paper } from './paper.ts';

/**
 * The trending score. Hugging Face does not publish how it orders its page, so Paperboy uses
 * its own, documented here and in docs/papers-and-digests.md ("Papers"):
 *
 *   engagement = upvotes + 2 × comments + 5 × log10(1 + GitHub stars)
 *   age        = days from the paper's publication to the end of the day it was featured (≥ 0)
 *   score      = engagement / (1 + age / 7)
 *
 * Upvotes are the main signal. A comment costs more effort than an upvote, so it counts
 * double. Stars are on another scale (thousands for a popular repository) and say as much
 * about the code's fame as the paper's, so they count logarithmically: 9 stars add 5 points,
 * 999 add 15. Freshness: a paper published a week before it was featured keeps half its
 * weight, which lets new work outrank old papers resurfacing with the same counts.
 */
const SCORE_WEIGHTS = {
  comment: 2,
  starsLog10: 5,
  halfLifeDays: 7,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export function trendingScore(
  paper: Pick<Paper, 'upvotes' | 'numComments' | 'githubStars' | 'publishedAt'>,
  featuredDay: string,
): number {
  const engagement =
    paper.upvotes +
    SCORE_WEIGHTS.comment * paper.numComments +
    SCORE_WEIGHTS.starsLog10 * Math.log10(1 + (paper.githubStars ?? 0));
  const endOfDay = Date.parse(`${featuredDay}T00:00:00Z`) + DAY_MS;
  const ageDays = paper.publishedAt ? Math.max(0, (endOfDay - paper.publishedAt.getTime()) / DAY_MS) : 0;
  const score = engagement / (1 + ageDays / SCORE_WEIGHTS.halfLifeDays);
  return Math.round(score * 10_000) / 10_000;
}
