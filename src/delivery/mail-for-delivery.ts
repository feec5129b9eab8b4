import { LRUCache } from 'lru-cache';
import type { Edition, Editions } from '../digest/editions.ts';
import { personalDigestWriter } from '../digest/personal-digest.ts';
import type { DigestRenderer } from '../digest/render.ts';
import type { SendableMail } from '../mail-queue/mail.ts';
import { confirmationMail } from '../subscribers/confirmation-mail.ts';
import type { ReaderFeedback } from '../subscribers/feedback.ts';
import type { SubscriberLinks } from '../subscribers/links.ts';
import type { SubscriptionRequest } from '../subscribers/requests.ts';
import type { ClaimedDelivery } from './claimed.ts';
import type { DigestMessages } from './digest-message.ts';
import type { InboundAddresses } from './inbound-addresses.ts';

/** A delivery's mail ready for the transport, or why it is no longer sent. */
type BuiltMail = { mail: SendableMail } | { cancel: string };

/** Builds a delivery's mail under the Message-ID the sender gave it. */
export type MailBuilder = (delivery: ClaimedDelivery, messageId: string) => Promise<BuiltMail>;

const DEFAULT_SITE_NAME = 'Paperboy';

/**
 * The list's id (RFC 2919) in the site's name: "Lab Papers daily digest <daily.lab-papers.host>".
 * The phrase keeps letters, digits, spaces, dots and hyphens (nothing that needs quoting); the id
 * is a dot-atom of lower-case letters, digits and hyphens, the default name when none is left.
 */
export function listId(siteName: string, frequency: string, host: string): string {
  const phrase = siteName.replace(/[^\p{L}\p{N} .-]/gu, '').trim() || DEFAULT_SITE_NAME;
  const atom =
    siteName
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || DEFAULT_SITE_NAME.toLowerCase();
  return `${phrase} ${frequency} digest <${frequency}.${atom}.${host}>`;
}

/**
 * Builds the mail of each kind of delivery, for the subscriber as they are when it is claimed.
 * Digests are written from their MIME skeleton (digest-message.ts); confirmations, which are
 * few, are composed by the transport. Digests carry the list headers of RFC 2369 and RFC 8058
 * so mail clients show an unsubscribe button that works in one click.
 */
export function createMailBuilder(deps: {
  publicUrl: string;
  listUnsubscribeMailto: string | undefined;
  /** SITE_NAME and SITE_FOOTER, for the mail the transport composes (confirmations). */
  site?: { name: string; footer?: string | undefined };
  /** With INBOUND_DOMAIN: each mail's return path (VERP) and List-Unsubscribe's mailto. */
  inbound?: InboundAddresses;
  links: SubscriberLinks;
  findRequest(id: string): Promise<SubscriptionRequest | undefined>;
  /** What a reader taught their digest; asked only of readers who taught something. */
  feedbackOf(subscriberId: string): Promise<ReaderFeedback>;
  editions: Editions;
  renderer: DigestRenderer;
  messages: DigestMessages;
}): MailBuilder {
  const {
    publicUrl,
    listUnsubscribeMailto,
    inbound,
    links,
    findRequest,
    feedbackOf,
    editions,
    renderer,
    messages,
  } = deps;
  const host = new URL(publicUrl).hostname;
  // editions are frozen: each is read once per worker, not once per mail
  const editionCache = new LRUCache<number, Promise<Edition | undefined>>({ max: 20 });
  const edition = (id: number) => {
    let cached = editionCache.get(id);
    if (!cached) {
      cached = editions.findById(id);
      editionCache.set(id, cached);
      cached.catch(() => editionCache.delete(id));
    }
    return cached;
  };

  return async (delivery, messageId) => {
    const { subscriber } = delivery;
    if (subscriber.suppressedAt) return { cancel: 'address suppressed' };

    if (delivery.kind === 'confirmation') {
      const request = delivery.requestId ? await findRequest(delivery.requestId) : undefined;
      const mail =
        request && (await confirmationMail({ subscriber, request, links, publicUrl, site: deps.site }));
      if (!mail) return { cancel: 'nothing left to confirm' };
      const envelope = inbound && { from: inbound.returnPath(delivery.id), to: [subscriber.email] };
      return { mail: { ...mail, messageId, ...(envelope ? { envelope } : {}) } };
    }

    if (subscriber.status !== 'active') return { cancel: `subscriber is ${subscriber.status}` };
    if (subscriber.pausedUntil && subscriber.pausedUntil > new Date()) return { cancel: 'digest paused' };
    const found = await edition(delivery.editionId as number);
    if (!found) return { cancel: 'edition not found' };
    const { preferencesUrl, unsubscribeUrl, unsubscribeToken, feedbackUrl } = links.forDigest(subscriber);
    const digest = await personalDigestWriter({
      edition: found,
      preferences: subscriber.preferences,
      feedback: subscriber.learnedAt ? await feedbackOf(subscriber.id) : undefined,
      recipient: { email: subscriber.email, preferencesUrl, unsubscribeUrl, feedbackUrl },
      renderer,
    });
    if (!digest) return { cancel: 'no paper matches the subscriber’s keywords (only mode)' };
    const unsubscribe = [`<${unsubscribeUrl}>`];
    if (inbound) {
      unsubscribe.push(`<mailto:${inbound.unsubscribeAddress(subscriber)}?subject=unsubscribe>`);
    } else if (listUnsubscribeMailto) {
      unsubscribe.push(`<mailto:${listUnsubscribeMailto}?subject=unsubscribe%20${unsubscribeToken}>`);
    }
    // written when a connection is ready for it: until then the mail holds the reader's selection
    const mail = await messages.compose(digest.parts, {
      to: subscriber.email,
      messageId,
      subject: digest.subject,
      listUnsubscribe: unsubscribe.join(', '),
      listHeaders: {
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': listId(deps.site?.name ?? DEFAULT_SITE_NAME, found.frequency, host),
        'List-Archive': `<${publicUrl}/digests>`,
      },
    });
    if (inbound) mail.envelope = { ...mail.envelope, from: inbound.returnPath(delivery.id) };
    return { mail };
  };
}
