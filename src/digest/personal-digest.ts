import type { ReaderFeedback } from '../subscribers/feedback.ts';
import type { Preferences } from '../subscribers/preferences.ts';
import type { Edition } from './editions.ts';
import { selectPapers } from './personalise.ts';
import type { DigestRenderer, Recipient, RenderedDigest } from './render.ts';

/**
 * One subscriber's digest of an edition, or null when there is nothing to send them (an
 * empty edition, or no paper matching their keywords in `only` mode).
 */
export async function renderPersonalDigest(options: {
  edition: Edition;
  preferences: Pick<Preferences, 'keywords' | 'keywordMode' | 'maxPapers'>;
  /** What the reader taught their digest ("more / less like this", follows), if anything. */
  feedback?: ReaderFeedback;
  recipient: Recipient;
  renderer: DigestRenderer;
}): Promise<RenderedDigest | null> {
  if (options.edition.status !== 'ready') return null;
  const selection = selectPapers(options.edition, options.preferences, options.feedback);
  if (selection.length === 0) return null;
  const noneMatched = options.preferences.keywords.length > 0 && !selection.some((s) => s.matched);
  const learned = (options.feedback?.signals.length ?? 0) > 0;
  return options.renderer.render(options.edition, selection, options.recipient, { noneMatched, learned });
}
