import type { Organisation, Paper } from './paper.ts';

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
