import { LRUCache } from 'lru-cache';
import { renderMail } from '../templates.ts';
import type { Edition } from './editions.ts';
import { reasonText, type SelectedPaper, variantKey } from './personalise.ts';
import { archiveUrl, cutAtWord, editionShortDate, editionTitle, paperView } from './presentation.ts';

/** One subscriber's links and address, filled into a compiled variant. */
export interface Recipient {
  email: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
  /** The "more / less like this" link of a paper; a preview without a reader has none. */
  feedbackUrl?(purpose: 'more' | 'less', arxivId: string): string;
}

export interface RenderedDigest {
  subject: string;
  html: string;
  text: string;
}

// Markers the variant is compiled with and each recipient's values replace. Letters, digits and
// underscores only: MJML, Eta and html-to-text pass them through untouched. Each paper's
// feedback links have a pair of their own, numbered by its rank.
const SLOTS = {
  preferencesUrl: 'PAPERBOY_SLOT_PREFERENCES_URL',
  unsubscribeUrl: 'PAPERBOY_SLOT_UNSUBSCRIBE_URL',
  email: 'PAPERBOY_SLOT_RECIPIENT',
} as const;
const feedbackSlot = (purpose: 'more' | 'less', rank: number) =>
  `PAPERBOY_SLOT_${purpose.toUpperCase()}_${rank}_`;
/** Every slot, in one pass over the variant. */
const ANY_SLOT = /PAPERBOY_SLOT_(PREFERENCES_URL|UNSUBSCRIBE_URL|RECIPIENT|(MORE|LESS)_(\d+)_)/g;

/** Room for the date and counts after the lead title, within what mail clients show of a subject. */
const SUBJECT_TITLE_LENGTH = 70;

/** Which of the reader's keywords matched today, and how often; or that none did. */
function keywordLine(matched: SelectedPaper[], noneMatched: boolean): string | undefined {
  if (noneMatched) return 'None of your keywords matched today’s papers: here is what is trending.';
  if (matched.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const { matched: keyword } of matched)
    counts.set(keyword as string, (counts.get(keyword as string) ?? 0) + 1);
  const list = [...counts].map(([keyword, count]) => `${keyword} (${count})`).join(', ');
  return `Your keywords matched today: ${list}.`;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * Renders digests. MJML costs milliseconds per compile, so it runs once per variant (edition ×
 * selected papers × matched keywords); each recipient only costs a few string replacements.
 * Variants live in a bounded LRU cache; concurrent requests for one variant share one compile.
 */
export class DigestRenderer {
  private readonly cache: LRUCache<string, Promise<RenderedDigest>>;
  readonly stats = { compiles: 0, hits: 0 };

  constructor(
    private readonly publicUrl: string,
    /** RENDER_CACHE_SIZE */
    cacheSize: number,
  ) {
    this.cache = new LRUCache({ max: cacheSize });
  }

  /**
   * The compiled variant, with slots where the recipient's values go. `noneMatched`: the reader
   * has keywords and none matched today, which the mail says (a variant of its own).
   */
  variant(edition: Edition, selection: SelectedPaper[], noneMatched = false): Promise<RenderedDigest> {
    const key = `${variantKey(edition, selection)}${noneMatched ? ':none-matched' : ''}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.compiles++;
    const compiled = this.compile(edition, selection, noneMatched);
    this.cache.set(key, compiled);
    compiled.catch(() => this.cache.delete(key));
    return compiled;
  }

  async render(
    edition: Edition,
    selection: SelectedPaper[],
    recipient: Recipient,
    options: { noneMatched?: boolean } = {},
  ): Promise<RenderedDigest> {
    const variant = await this.variant(edition, selection, options.noneMatched);
    const feedback = new Map<string, string>();
    const feedbackUrl = (purpose: 'more' | 'less', rank: number) => {
      const key = `${purpose}${rank}`;
      let url = feedback.get(key);
      if (url === undefined) {
        const arxivId = selection[rank - 1]?.paper.arxivId ?? '';
        url = recipient.feedbackUrl ? recipient.feedbackUrl(purpose, arxivId) : `${this.publicUrl}/`;
        feedback.set(key, url);
      }
      return url;
    };
    const slotValue = (slot: string, purpose: string | undefined, rank: string | undefined): string => {
      if (purpose) return feedbackUrl(purpose === 'MORE' ? 'more' : 'less', Number(rank));
      if (slot === 'PREFERENCES_URL') return recipient.preferencesUrl;
      if (slot === 'UNSUBSCRIBE_URL') return recipient.unsubscribeUrl;
      return recipient.email;
    };
    const fill = (text: string, encode: (value: string) => string) =>
      text.replace(ANY_SLOT, (_match, slot: string, purpose?: string, rank?: string) =>
        encode(slotValue(slot, purpose, rank)),
      );
    return {
      subject: variant.subject,
      html: fill(variant.html, escapeHtml),
      text: fill(variant.text, (value) => value),
    };
  }

  private async compile(
    edition: Edition,
    selection: SelectedPaper[],
    noneMatched: boolean,
  ): Promise<RenderedDigest> {
    const matched = selection.filter((s) => s.matched);
    const when = editionShortDate(edition);
    // the subject leads with a paper: the first that matches the reader's keywords, else the top one
    const lead = cutAtWord((matched[0] ?? selection[0])?.paper.title ?? '', SUBJECT_TITLE_LENGTH, 20);
    const subject =
      matched.length > 0
        ? `${lead} · ${matched.length} of ${selection.length} trending papers match your keywords · ${when}`
        : `${lead} · and ${selection.length - 1} more trending papers · ${when}`;
    const title = editionTitle(edition);
    const { html, text } = await renderMail('digest', {
      title,
      keywordLine: keywordLine(matched, noneMatched),
      frequency: edition.frequency,
      papers: selection.map((s) => ({
        ...paperView(s.paper, { rank: s.rank, matched: s.matched }),
        reason: reasonText(s.reason),
        moreUrl: feedbackSlot('more', s.rank),
        lessUrl: feedbackSlot('less', s.rank),
      })),
      archiveUrl: archiveUrl(this.publicUrl, edition),
      publicUrl: this.publicUrl,
      ...SLOTS,
    });
    return { subject, html, text };
  }
}
