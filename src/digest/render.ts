import { LRUCache } from 'lru-cache';
import { compiledMail, escapeHtml, fillSlots, type MailTemplate, slot } from '../compiled-mail.ts';
import { FREQUENCIES, type Frequency } from '../frequency.ts';
import { type RenderedMail, renderMailPart } from '../templates.ts';
import type { Edition } from './editions.ts';
import { reasonText, type SelectedPaper } from './personalise.ts';
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

/**
 * A stretch of a compiled frame or card, the same object in every digest that holds it: a later
 * stage (the MIME encoder) can do its work on it once, keyed by identity.
 */
export interface FixedPiece {
  readonly text: string;
}

/** A digest's body: fixed pieces, and strings that are this reader's own (escaped for the format). */
export type Piece = FixedPiece | string;

/** A digest as pieces, for a sender that encodes the fixed ones once. */
export interface DigestParts {
  subject: string;
  html: Piece[];
  text: Piece[];
}

/** A digest whose pieces are made when asked (DigestRenderer.writer). */
export interface DigestWriter {
  subject: string;
  parts(): DigestParts;
}

function joinPieces(pieces: Piece[]): string {
  let joined = '';
  for (const piece of pieces) joined += typeof piece === 'string' ? piece : piece.text;
  return joined;
}

// Markers the frame and cards are compiled with, where each reader's values go (compiled-mail.ts).
// Each paper's feedback links have a pair of their own, numbered by its rank.
const SLOTS = {
  preferencesUrl: slot('PREFERENCES_URL'),
  unsubscribeUrl: slot('UNSUBSCRIBE_URL'),
  email: slot('RECIPIENT'),
} as const;
const FRAME_SLOTS = {
  intro: slot('INTRO'),
  keywordLine: slot('KEYWORD_LINE'),
  contents: slot('CONTENTS'),
  card: (rank: number) => slot(`CARD_${rank}`),
};
/** An edition's values, the same for all its readers: set once per edition, before the frame is split. */
const EDITION_SLOTS = {
  title: slot('TITLE'),
  archiveUrl: slot('ARCHIVE_URL'),
  publicUrl: slot('PUBLIC_URL'),
  siteName: slot('SITE_NAME'),
  siteFooter: slot('SITE_FOOTER'),
} as const;
/**
 * A card's own slots carry no number: they take the rank of the card they are in, so one card
 * serves a paper at every rank, for every reason and every reader.
 */
const CARD_SLOTS = {
  rank: slot('RANK'),
  reason: slot('REASON'),
  more: slot('MORE'),
  less: slot('LESS'),
} as const;
/** Every reader's slot; String.split with this keeps the slot's name and number as their own items. */
const ANY_SLOT =
  /PAPERBOY_SLOT_(PREFERENCES_URL|UNSUBSCRIBE_URL|RECIPIENT|INTRO|KEYWORD_LINE|CONTENTS|CARD|RANK|REASON|MORE|LESS)_(?:(\d+)_)?/;

/**
 * The digest's MJML template for a frequency, with or without a keyword line: every value a slot,
 * and two cards. MJML writes each card's mj-text alike, so a frame of any number of cards is cut
 * from this one (`cutFrame`); tests/digest.test.ts holds it to MJML's own frames.
 */
function digestFrameTemplate(frequency: Frequency, withKeywordLine: boolean): MailTemplate {
  return {
    name: 'digest',
    data: {
      title: EDITION_SLOTS.title,
      intro: FRAME_SLOTS.intro,
      keywordLine: withKeywordLine ? FRAME_SLOTS.keywordLine : undefined,
      contents: FRAME_SLOTS.contents,
      cards: [FRAME_SLOTS.card(1), FRAME_SLOTS.card(2)],
      frequency,
      archiveUrl: EDITION_SLOTS.archiveUrl,
      publicUrl: EDITION_SLOTS.publicUrl,
      siteName: EDITION_SLOTS.siteName,
      siteFooter: EDITION_SLOTS.siteFooter,
      ...SLOTS,
    },
  };
}

/** Every digest frame template, for the build to compile (compile-mail.ts). */
export const DIGEST_FRAME_TEMPLATES: MailTemplate[] = FREQUENCIES.flatMap((frequency) =>
  [false, true].map((withKeywordLine) => digestFrameTemplate(frequency, withKeywordLine)),
);

/** A compiled piece split at its slots, once: text, then a slot, then text, and so on. */
export type Segment = FixedPiece | { slot: string; rank: number };
interface Split {
  html: Segment[];
  text: Segment[];
}

function splitAtSlots(compiled: RenderedMail): Split {
  const split = (source: string): Segment[] => {
    const parts = source.split(new RegExp(ANY_SLOT.source, 'g'));
    const segments: Segment[] = [];
    // split() gives text, name, number (or undefined), text, name, number, …
    for (let i = 0; i < parts.length; i += 3) {
      if (parts[i]) segments.push({ text: parts[i] as string });
      if (i + 1 < parts.length)
        segments.push({ slot: parts[i + 1] as string, rank: Number(parts[i + 2] ?? 0) });
    }
    return segments;
  };
  return { html: split(compiled.html), text: split(compiled.text) };
}

/**
 * A frame split at its slots and cut around its cards: a frame of n cards is `before`, card 1,
 * then `between` and the next card, n − 1 times, then `after`.
 */
export interface FramePart {
  before: Segment[];
  between: Segment[];
  after: Segment[];
}
export interface Frame {
  html: FramePart;
  text: FramePart;
}

function cutPartAroundCards(segments: Segment[]): FramePart {
  const cardAt = (rank: number) => {
    const index = segments.findIndex((s) => 'slot' in s && s.slot === 'CARD' && s.rank === rank);
    if (index < 0) throw new Error(`The digest template has no slot for card ${rank}`);
    return index;
  };
  const first = cardAt(1);
  const second = cardAt(2);
  return {
    before: segments.slice(0, first),
    between: segments.slice(first + 1, second),
    after: segments.slice(second + 1),
  };
}

/** A compiled frame (its edition's values set) split at the reader's slots and cut around its two cards. */
export function cutFrame(compiled: RenderedMail): Frame {
  const split = splitAtSlots(compiled);
  return { html: cutPartAroundCards(split.html), text: cutPartAroundCards(split.text) };
}

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

/** A paper's card for each keyword it is shown with, per edition. */
const CARDS_PER_EDITION = 5000;

/** The operator's name and footer line (an address) in every mail's frame. */
export interface MailSite {
  name: string;
  footer?: string | undefined;
}
const DEFAULT_MAIL_SITE: MailSite = { name: 'Paperboy' };

/**
 * Renders digests without running MJML per reader, even when every reader's selection is their
 * own (learned rankings). MJML compiles the frame (header, footer and layout, with slots) once per
 * frequency and presence of a keyword line, at build time where it can (compiled-mail.ts). Each
 * edition sets its title and links into it once, and each paper's card (plain HTML,
 * digest-card.eta) is filled once per edition and keyword. Both are split at their slots once; a
 * reader's digest is one walk over the frame's pieces, their cards' pieces and their values
 * (intro, contents, links, address). Frames live in a bounded LRU cache (concurrent requests for
 * one frame share one making), cards in one per edition.
 */
export class DigestRenderer {
  private readonly frames: LRUCache<string, Promise<Frame>>;
  private readonly cards = new WeakMap<Edition, LRUCache<string, Split>>();
  /** Frames made (an edition's values set into a compiled template), and frames found made. */
  readonly stats = { frames: 0, hits: 0 };

  constructor(
    private readonly publicUrl: string,
    /** RENDER_CACHE_SIZE */
    cacheSize: number,
    /** SITE_NAME and SITE_FOOTER: the mail's header and its last footer line. */
    private readonly site: MailSite = DEFAULT_MAIL_SITE,
  ) {
    this.frames = new LRUCache({ max: cacheSize });
  }

  /**
   * One reader's digest. `noneMatched`: the reader has keywords and none matched today; `learned`:
   * their ranking is their own (feedback.ts), which the intro says.
   */
  async render(
    edition: Edition,
    selection: SelectedPaper[],
    recipient: Recipient,
    options: { noneMatched?: boolean; learned?: boolean } = {},
  ): Promise<RenderedDigest> {
    const parts = (await this.writer(edition, selection, recipient, options)).parts();
    return { subject: parts.subject, html: joinPieces(parts.html), text: joinPieces(parts.text) };
  }

  /**
   * The same digest, its subject known and its pieces made when asked, synchronously: the
   * sender makes them only when a connection is ready for the mail, so a mail waiting its turn
   * holds its selection, not its pieces and links.
   */
  async writer(
    edition: Edition,
    selection: SelectedPaper[],
    recipient: Recipient,
    options: { noneMatched?: boolean; learned?: boolean } = {},
  ): Promise<DigestWriter> {
    const keywords = keywordLine(
      selection.filter((s) => s.matched),
      options.noneMatched ?? false,
    );
    const frame = await this.frame(edition, keywords !== undefined);
    const subject = subjectOf(edition, selection);
    const learned = options.learned ?? false;
    return {
      subject,
      parts: () => ({ subject, ...this.pieces(edition, selection, recipient, learned, keywords, frame) }),
    };
  }

  private pieces(
    edition: Edition,
    selection: SelectedPaper[],
    recipient: Recipient,
    learned: boolean,
    keywords: string | undefined,
    frame: Frame,
  ): Omit<DigestParts, 'subject'> {
    const cards = selection.map((selected) => this.card(edition, selected));
    const intro = introLine(selection, learned);
    const contents = (format: 'html' | 'text') =>
      format === 'html'
        ? `<ol style="margin:0;padding-left:22px">${selection
            .map(
              (s) =>
                `<li><a href="#paper-${s.rank}">${escapeHtml(cutAtWord(s.paper.title, 60, 20))}</a></li>`,
            )
            .join('')}</ol>`
        : selection.map((s) => ` ${s.rank}. ${cutAtWord(s.paper.title, 60, 20)}`).join('\n');
    const feedbackUrl = (purpose: 'more' | 'less', rank: number) => {
      const arxivId = selection[rank - 1]?.paper.arxivId ?? '';
      return recipient.feedbackUrl ? recipient.feedbackUrl(purpose, arxivId) : `${this.publicUrl}/`;
    };
    // the text and the HTML carry the same links: each token is made once
    const links = new Map<string, string>();
    const link = (slot: 'MORE' | 'LESS', rank: number) => {
      const key = `${slot}${rank}`;
      let url = links.get(key);
      if (url === undefined) {
        url = feedbackUrl(slot === 'MORE' ? 'more' : 'less', rank);
        links.set(key, url);
      }
      return url;
    };
    const emit = (format: 'html' | 'text') => {
      const encode = format === 'html' ? escapeHtml : (value: string) => value;
      const out: Piece[] = [];
      const walk = (segments: Segment[], cardRank = 0) => {
        for (const segment of segments) {
          if ('text' in segment) {
            out.push(segment);
            continue;
          }
          switch (segment.slot) {
            case 'RANK':
              out.push(String(cardRank));
              break;
            case 'INTRO':
              out.push(encode(intro));
              break;
            case 'KEYWORD_LINE':
              out.push(encode(keywords ?? ''));
              break;
            case 'CONTENTS':
              out.push(contents(format));
              break;
            case 'REASON':
              out.push(encode(reasonText((selection[cardRank - 1] as SelectedPaper).reason)));
              break;
            case 'MORE':
            case 'LESS':
              out.push(encode(link(segment.slot, cardRank)));
              break;
            case 'PREFERENCES_URL':
              out.push(encode(recipient.preferencesUrl));
              break;
            case 'UNSUBSCRIBE_URL':
              out.push(encode(recipient.unsubscribeUrl));
              break;
            default:
              out.push(encode(recipient.email));
          }
        }
      };
      const { before, between, after } = frame[format];
      walk(before);
      cards.forEach((card, index) => {
        if (index > 0) walk(between);
        walk(card[format], index + 1);
      });
      walk(after);
      return out;
    };
    return { html: emit('html'), text: emit('text') };
  }

  /** An edition's frame, with or without a keyword line: its values set, split at the reader's slots. */
  private frame(edition: Edition, withKeywordLine: boolean): Promise<Frame> {
    const key = `${edition.frequency}:${edition.day}:${edition.id ?? 'draft'}:${withKeywordLine ? 'k' : '-'}`;
    const cached = this.frames.get(key);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.frames++;
    const made = compiledMail(digestFrameTemplate(edition.frequency, withKeywordLine)).then((compiled) => {
      return cutFrame(
        fillSlots(compiled, {
          [EDITION_SLOTS.title]: editionTitle(edition),
          [EDITION_SLOTS.archiveUrl]: archiveUrl(this.publicUrl, edition),
          [EDITION_SLOTS.publicUrl]: this.publicUrl,
          [EDITION_SLOTS.siteName]: this.site.name,
          [EDITION_SLOTS.siteFooter]: this.site.footer ?? '',
        }),
      );
    });
    this.frames.set(key, made);
    made.catch(() => this.frames.delete(key));
    return made;
  }

  /** A paper's card with its keyword marked, for this edition; its rank and links are slots. */
  private card(edition: Edition, selected: SelectedPaper): Split {
    let cards = this.cards.get(edition);
    if (!cards) {
      cards = new LRUCache({ max: CARDS_PER_EDITION });
      this.cards.set(edition, cards);
    }
    const key = `${selected.paper.arxivId}\n${selected.matched ?? ''}`;
    let card = cards.get(key);
    if (!card) {
      card = splitAtSlots(
        renderMailPart('digest-card', {
          ...paperView(selected.paper, { rank: 0, matched: selected.matched }),
          rank: CARD_SLOTS.rank,
          reason: CARD_SLOTS.reason,
          moreUrl: CARD_SLOTS.more,
          lessUrl: CARD_SLOTS.less,
        }),
      );
      cards.set(key, card);
    }
    return card;
  }
}
/** The line under the title: how the papers are ordered for this reader. */
function introLine(selection: SelectedPaper[], learned: boolean): string {
  const first = [
    selection.some((s) => s.reason.kind === 'follow') ? 'papers by authors you follow' : undefined,
    selection.some((s) => s.matched) ? 'papers matching your keywords' : undefined,
  ].filter(Boolean);
  return `Ranked by trending score (upvotes, comments and code stars on Hugging Face Daily Papers, and freshness)${
    learned ? ' and by what you told Paperboy with “More like this” and “Less like this”' : ''
  }${first.length > 0 ? `; ${first.join(' and ')} come first` : ''}.`;
}

/** The subject leads with a paper: the first that matches the reader's keywords, else the top one. */
function subjectOf(edition: Edition, selection: SelectedPaper[]): string {
  const matched = selection.filter((s) => s.matched);
  const when = editionShortDate(edition);
  const lead = cutAtWord((matched[0] ?? selection[0])?.paper.title ?? '', SUBJECT_TITLE_LENGTH, 20);
  return matched.length > 0
    ? `${lead} · ${matched.length} of ${selection.length} trending papers match your keywords · ${when}`
    : `${lead} · and ${selection.length - 1} more trending papers · ${when}`;
}
