import type { ApiItem } from './api-item.ts';
import type { Paper } from './paper.ts';

// New-style ids (2503.10370, optionally with a version) and old-style ones (hep-th/9901001).
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

export function isArxivId(id: string): boolean {
  return ARXIV_ID.test(id);
}

/** Collapses every run of whitespace, line breaks included, to one space. */
function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Paragraphs of an abstract, kept as paragraphs separated by a blank line. arXiv marks a new
 * paragraph with a line break followed by an indent (`\n  `), which is how real abstracts reach
 * the API; a blank line also separates paragraphs. A break with no indent is a wrap (some
 * abstracts are wrapped at ~80 columns) and becomes a space.
 */
export function joinHardLineBreaks(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n\s*|\n[ \t]+(?=\S)/)
    .map(collapseWhitespace)
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

/**
 * What one paper may hold, enforced at ingest so that nothing the source sends can bloat a mail:
 * ten papers at these limits, every character one that HTML escapes to five bytes, make a digest
 * of 83 KB, under Gmail's 102 KB clipping limit (tests/papers-hostile.test.ts). Each is well above the largest
 * of 1,295 real items of 51 days (in brackets): title 300 characters (167), abstract 5,000 (1,920,
 * arXiv's own limit), AI summary 600 (437), 1,000 authors (573) of 100 characters each (55),
 * 100 AI keywords (44) of 100 characters (55), a link 300 characters (130).
 */
export const PAPER_LIMITS = {
  title: 300,
  abstract: 5000,
  aiSummary: 600,
  authors: 1000,
  authorName: 100,
  aiKeywords: 100,
  aiKeyword: 100,
  url: 300,
} as const;

/** The text cut to `length` characters with an ellipsis, and the field named in `capped` if it was. */
function capText(text: string, length: number, field: string, capped: string[]): string {
  if (text.length <= length) return text;
  capped.push(`${field} cut to ${length} characters (was ${text.length})`);
  return `${text.slice(0, length - 1).trimEnd()}…`;
}

function optionalText(value: string | null | undefined): string | null {
  const text = value?.trim();
  return text ? text : null;
}

function optionalDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Only http(s) links reach a mail; anything else (javascript:, relative paths) is dropped, and so
 * is a link longer than the limit: a link cut short leads nowhere.
 */
function optionalUrl(
  value: string | null | undefined,
  field: string,
  capped: string[],
  base?: string,
): string | null {
  const text = optionalText(value);
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const link = url.toString();
  if (link.length <= PAPER_LIMITS.url) return link;
  capped.push(`${field} dropped: ${link.length} characters, more than ${PAPER_LIMITS.url}`);
  return null;
}

/** The longest organisation key or name kept (the follow table's limit). */
const MAX_ORGANISATION_LENGTH = 200;

/**
 * The item's organisation (`paper.organization`, else the item's), kept when its `name` is a
 * short string; its `fullname` falls back to the name.
 */
function organisationOf(item: ApiItem): Paper['organization'] {
  const given = (item.paper.organization ?? item.organization) as {
    name?: unknown;
    fullname?: unknown;
  } | null;
  const name = typeof given?.name === 'string' ? collapseWhitespace(given.name) : '';
  if (name === '' || name.length > MAX_ORGANISATION_LENGTH) return null;
  const fullname = typeof given?.fullname === 'string' ? collapseWhitespace(given.fullname) : '';
  return { name, fullname: fullname && fullname.length <= MAX_ORGANISATION_LENGTH ? fullname : name };
}

/** A validated item's authors, in order, within the limits. */
function authorsOf(item: ApiItem, capped: string[]): Paper['authors'] {
  const authors = item.paper.authors
    .map((author) => ({
      name: capText(collapseWhitespace(author.name), PAPER_LIMITS.authorName, 'an author name', capped),
      hidden: author.hidden === true,
    }))
    .filter((author) => author.name !== '');
  if (authors.length <= PAPER_LIMITS.authors) return authors;
  // pages show the first few and "et al." (src/digest/presentation.ts): the rest is never shown
  capped.push(`authors cut to the first ${PAPER_LIMITS.authors} (were ${authors.length})`);
  return authors.slice(0, PAPER_LIMITS.authors);
}

/**
 * A validated API item → a Paper within PAPER_LIMITS, links derived from the arXiv id; each field
 * that was cut is named in `capped`. The id must be checked first.
 */
export function normalizeItem(item: ApiItem, capped: string[] = []): Paper {
  const { paper } = item;
  const id = paper.id.trim();
  const keywords = [
    ...new Set(
      (paper.ai_keywords ?? [])
        .map((keyword) => collapseWhitespace(keyword))
        .filter((keyword) => keyword !== '' && keyword.length <= PAPER_LIMITS.aiKeyword),
    ),
  ];
  if (keywords.length > PAPER_LIMITS.aiKeywords) {
    capped.push(`AI keywords cut to ${PAPER_LIMITS.aiKeywords} (were ${keywords.length})`);
  }
  const aiSummary = optionalText(paper.ai_summary) ? collapseWhitespace(paper.ai_summary as string) : null;
  return {
    arxivId: id,
    title: capText(collapseWhitespace(paper.title), PAPER_LIMITS.title, 'title', capped),
    abstract: capText(joinHardLineBreaks(paper.summary), PAPER_LIMITS.abstract, 'abstract', capped),
    // Hidden authors stay in the list, in order: `hidden` hides a Hugging Face account, not
    // authorship. The flag is kept so pages can leave their profile links out.
    authors: authorsOf(item, capped),
    upvotes: paper.upvotes,
    numComments: item.numComments ?? 0,
    githubRepo: optionalUrl(paper.githubRepo, 'githubRepo', capped),
    githubStars: paper.githubStars ?? null,
    projectPage: optionalUrl(paper.projectPage, 'projectPage', capped),
    aiSummary: aiSummary && capText(aiSummary, PAPER_LIMITS.aiSummary, 'AI summary', capped),
    aiKeywords: keywords.slice(0, PAPER_LIMITS.aiKeywords),
    thumbnail: optionalUrl(item.thumbnail, 'thumbnail', capped, 'https://huggingface.co'),
    publishedAt: optionalDate(paper.publishedAt),
    submittedOnDailyAt: optionalDate(paper.submittedOnDailyAt),
    hfUrl: `https://huggingface.co/papers/${id}`,
    arxivUrl: `https://arxiv.org/abs/${id}`,
    pdfUrl: `https://arxiv.org/pdf/${id}`,
    organization: organisationOf(item),
  };
}
