import type { Queryable } from '../db/transaction.ts';
import { paperQueries } from './queries.ts';
/** A paper as Paperboy stores and shows it. */
export interface Paper {
  arxivId: string;
  title: string;
  /** Paragraphs separated by a blank line. */
  abstract: string;
  /** In the paper's order; `hidden` mirrors the API's flag (docs/papers-and-digests.md, "Papers"). */
  authors: Array<{ name: string; hidden: boolean }>;
  upvotes: number;
  numComments: number;
  githubRepo: string | null;
  githubStars: number | null;
  projectPage: string | null;
  aiSummary: string | null;
  aiKeywords: string[];
  thumbnail: string | null;
  publishedAt: Date | null;
  submittedOnDailyAt: Date | null;
  hfUrl: string;
  arxivUrl: string;
  pdfUrl: string;
  /** The organisation the API names for the paper (`name` is its key), when it names one. */
  organization?: Organisation | null;
}

export interface Organisation {
  name: string;
  fullname: string;
}

/** A papers row as the named queries select it. */
export interface PaperRow {
  arxiv_id: string;
  title: string;
  abstract: string;
  authors: Paper['authors'];
  upvotes: number;
  num_comments: number;
  github_repo: string | null;
  github_stars: number | null;
  project_page: string | null;
  ai_summary: string | null;
  ai_keywords: string[];
  thumbnail: string | null;
  published_at: Date | null;
  submitted_on_daily_at: Date | null;
  hf_url: string;
  arxiv_url: string;
  pdf_url: string;
  organization?: Organisation | null;
}

export function toPaper(row: PaperRow): Paper {
  return {
    arxivId: row.arxiv_id,
    title: row.title,
    abstract: row.abstract,
    authors: row.authors,
    upvotes: row.upvotes,
    numComments: row.num_comments,
    githubRepo: row.github_repo,
    githubStars: row.github_stars,
    projectPage: row.project_page,
    aiSummary: row.ai_summary,
    aiKeywords: row.ai_keywords,
    thumbnail: row.thumbnail,
    publishedAt: row.published_at,
    submittedOnDailyAt: row.submitted_on_daily_at,
    hfUrl: row.hf_url,
    arxivUrl: row.arxiv_url,
    pdfUrl: row.pdf_url,
    organization: row.organization ?? null,
  };
}

/** One stored paper by its arXiv id. */
export async function findPaper(pool: Queryable, arxivId: string): Promise<Paper | undefined> {
  const { rows } = await pool.query<PaperRow>(paperQueries.findPaper, [arxivId]);
  return rows[0] ? toPaper(rows[0]) : undefined;
}
