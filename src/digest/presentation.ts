import { ruleOf } from '../frequency.ts';
import type { Edition, EditionPaper } from './editions.ts';
import { markKeyword } from './keywords.ts';

/** How an edition and its papers read, shared by the mail, the archive and the feed. */

const BLURB_LENGTH = 300;

function authorsLine(paper: Pick<EditionPaper, 'authors'>): string {
  const names = paper.authors.map((author) => author.name);
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} et al.`;
}

/**
 * The text if it fits in `length` characters; else cut at the last space (no earlier than
 * `slack` characters before the end, so one long word does not leave almost nothing), trailing
 * punctuation dropped, with an ellipsis.
 */
export function cutAtWord(text: string, length: number, slack: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), length - slack)).replace(/[\s,;:.]+$/, '')}…`;
}

/** The AI summary, or the abstract's first ~300 characters cut at a word. */
function blurb(paper: Pick<EditionPaper, 'aiSummary' | 'abstract'>): string {
  if (paper.aiSummary) return paper.aiSummary;
  return cutAtWord(paper.abstract.replace(/\s+/g, ' ').trim(), BLURB_LENGTH, 40);
}

const longDate = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const shortDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

const dayMonthYear = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/**
 * "Trending papers of Thursday, 12 March 2026"; a weekly one by its dates, "… week of 9 March
 * 2026 (9 Mar – 15 Mar)"; a monthly one by its month, "… March 2026".
 */
export function editionTitle(edition: Pick<Edition, 'frequency' | 'day'>): string {
  const day = new Date(`${edition.day}T00:00:00Z`);
  if (edition.frequency === 'daily') return `Trending papers of ${longDate.format(day)}`;
  if (edition.frequency === 'monthly')
    return `Trending papers of ${ruleOf('monthly').describeSpan(edition.day)}`;
  const last = new Date(`${ruleOf(edition.frequency).lastDay(edition.day)}T00:00:00Z`);
  return `Trending papers of the week of ${dayMonthYear.format(day)} (${shortDate.format(day)} – ${shortDate.format(last)})`;
}

/** For subjects: "12 Mar 2026", "week of 9 Mar 2026" (not an ISO week number a reader must decode), "March 2026". */
export function editionShortDate(edition: Pick<Edition, 'frequency' | 'day'>): string {
  const day = new Date(`${edition.day}T00:00:00Z`);
  if (edition.frequency === 'monthly') return ruleOf('monthly').describeSpan(edition.day);
  return edition.frequency === 'daily' ? shortDate.format(day) : `week of ${shortDate.format(day)}`;
}

/** The edition's page in the public archive. */
export function archiveUrl(publicUrl: string, edition: Pick<Edition, 'frequency' | 'day'>): string {
  return `${publicUrl}/digests/${edition.day}${edition.frequency === 'daily' ? '' : `?frequency=${edition.frequency}`}`;
}

/** The values a template needs for one paper. */
export function paperView(paper: EditionPaper, extra: { rank: number; matched?: string }) {
  const summary = blurb(paper);
  const mark = (text: string) => (extra.matched ? markKeyword(text, extra.matched) : [{ text, mark: false }]);
  return {
    /** The title and the blurb with the matched keyword's words marked, for the mail. */
    titleParts: mark(paper.title),
    blurbParts: mark(summary),
    rank: extra.rank,
    matched: extra.matched,
    title: paper.title,
    /** For the contents list: the title cut at a word near 60 characters. */
    shortTitle: cutAtWord(paper.title, 60, 20),
    hfUrl: paper.hfUrl,
    authors: authorsLine(paper),
    upvotes: paper.upvotes,
    comments: paper.numComments,
    stars: paper.githubStars,
    blurb: summary,
    /** The whole abstract, by paragraph: for the archive and the feed (the mail keeps the blurb). */
    abstractParagraphs: paper.abstract.split(/\n\n+/).filter((paragraph) => paragraph !== ''),
    aiSummary: paper.aiSummary,
    arxivUrl: paper.arxivUrl,
    pdfUrl: paper.pdfUrl,
    codeUrl: paper.githubRepo,
    projectUrl: paper.projectPage,
    thumbnail: huggingFaceImage(paper.thumbnail),
  };
}

/** Hosts a thumbnail may come from: Hugging Face's own (its API gives cdn-thumbnails.huggingface.co). */
const IMAGE_HOSTS = ['huggingface.co', 'hf.co'];

/**
 * A paper's thumbnail as mail may show it: over https from Hugging Face's own hosts, or none.
 * Any other address would load when the mail is opened: a tracking pixel, or plain http.
 */
export function huggingFaceImage(url: string | null): string | null {
  if (!url) return null;
  try {
    const { protocol, hostname, username, password } = new URL(url);
    const ours = IMAGE_HOSTS.some((host) => hostname === host || hostname.endsWith(`.${host}`));
    return protocol === 'https:' && ours && !username && !password ? url : null;
  } catch {
    return null;
  }
}
