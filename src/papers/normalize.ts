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
 * The API's abstracts are wrapped at ~80 columns with hard line breaks. A single break is a
 * wrap and becomes a space; a blank line separates paragraphs and is kept as one.
 */
export function joinHardLineBreaks(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map(collapseWhitespace)
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
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

/** Only http(s) links reach a mail; anything else (javascript:, relative paths) is dropped. */
function optionalUrl(value: string | null | undefined, base?: string): string | null {
  const text = optionalText(value);
  if (!text) return null;
  try {
    const url = new URL(text, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
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

/** A validated API item → a Paper, links derived from the arXiv id. The id must be checked first. */
export function normalizeItem(item: ApiItem): Paper {
  const { paper } = item;
  const id = paper.id.trim();
  const keywords = (paper.ai_keywords ?? []).map(collapseWhitespace).filter((k) => k !== '');
  return {
    arxivId: id,
    title: collapseWhitespace(paper.title),
    abstract: joinHardLineBreaks(paper.summary),
    // Hidden authors stay in the list, in order: `hidden` hides a Hugging Face account, not
    // authorship. The flag is kept so pages can leave their profile links out.
    authors: paper.authors
      .map((author) => ({ name: collapseWhitespace(author.name), hidden: author.hidden === true }))
      .filter((author) => author.name !== ''),
    upvotes: paper.upvotes,
    numComments: item.numComments ?? 0,
    githubRepo: optionalUrl(paper.githubRepo),
    githubStars: paper.githubStars ?? null,
    projectPage: optionalUrl(paper.projectPage),
    aiSummary: optionalText(paper.ai_summary) ? collapseWhitespace(paper.ai_summary as string) : null,
    aiKeywords: [...new Set(keywords)],
    thumbnail: optionalUrl(item.thumbnail, 'https://huggingface.co'),
    publishedAt: optionalDate(paper.publishedAt),
    submittedOnDailyAt: optionalDate(paper.submittedOnDailyAt),
    hfUrl: `https://huggingface.co/papers/${id}`,
    arxivUrl: `https://arxiv.org/abs/${id}`,
    pdfUrl: `https://arxiv.org/pdf/${id}`,
    organization: organisationOf(item),
  };
}
