import type { ReaderFeedback } from '../subscribers/feedback.ts';
import type { Edition } from './editions.ts';
import { type PersonalPreferences, selectPapers } from './personalise.ts';
import type { DigestRenderer, DigestWriter, Recipient, RenderedDigest } from './render.ts';

interface PersonalDigestOptions {
  edition: Edition;
  preferences: PersonalPreferences;
  /** What the reader taught their digest ("more / less like this", follows), if anything. */
  feedback?: ReaderFeedback;
  recipient: Recipient;
  renderer: DigestRenderer;
}

/**
 * The reader's selection and how it is introduced, or null when there is nothing to send them
 * (an empty edition, or no paper matching their keywords in `only` mode).
 */
function personalSelection(options: PersonalDigestOptions) {
  if (options.edition.status !== 'ready') return null;
  const selection = selectPapers(options.edition, options.preferences, options.feedback);
  if (selection.length === 0) return null;
  const noneMatched = options.preferences.keywords.length > 0 && !selection.some((s) => s.matched);
  const learned = (options.feedback?.signals.length ?? 0) > 0;
  return { selection, noneMatched, learned };
}

/** One subscriber's digest of an edition as HTML and text, or null when there is nothing to send. */
export async function renderPersonalDigest(options: PersonalDigestOptions): Promise<RenderedDigest | null> {
  const chosen = personalSelection(options);
  if (!chosen) return null;
  const { selection, ...intro } = chosen;
  return options.renderer.render(options.edition, selection, options.recipient, intro);
}

/** The same digest with its pieces made when asked, for a sender that writes a mail when its connection is ready. */
export async function personalDigestWriter(options: PersonalDigestOptions): Promise<DigestWriter | null> {
  const chosen = personalSelection(options);
  if (!chosen) return null;
  const { selection, ...intro } = chosen;
  return options.renderer.writer(options.edition, selection, options.recipient, intro);
}
