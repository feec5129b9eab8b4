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
