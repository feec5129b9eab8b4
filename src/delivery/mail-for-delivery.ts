import { LRUCache } from 'lru-cache';
import type { Config } from '../config.ts';
import { composeDigest } from '../digest/compose.ts';
import type { Edition, Editions } from '../digest/editions.ts';
import type { DigestRenderer } from '../digest/render.ts';
import { composeConfirmationMail } from '../subscribers/confirmation-mail.ts';
import type { LinkTokens } from '../subscribers/tokens.ts';
import type { ClaimedDelivery } from './claimed.ts';
import type { OutgoingMail } from './transport.ts';

/** A mail ready for the transport, or why this delivery is no longer sent. */
export type Composed = { mail: Omit<OutgoingMail, 'messageId'> } | { cancel: string };

export type Composer = (delivery: ClaimedDelivery) => Promise<Composed>;

/**
 * Builds the mail of each delivery kind. Digests carry the list headers of RFC 2369 and
 * RFC 8058 so mail clients show an unsubscribe button that works in one click.
 */
export function createComposer(deps: {
  config: Config;
  tokens: LinkTokens;
  editions: Editions;
  renderer: DigestRenderer;
}): Composer {
  const { config, tokens, editions, renderer } = deps;
  const host = new URL(config.publicUrl).hostname;
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

  return async (delivery) => {
    const { subscriber } = delivery;
    if (subscriber.suppressedAt) return { cancel: 'address suppressed' };

    if (delivery.kind === 'confirmation') {
      const mail = await composeConfirmationMail({
        subscriber,
        requestedAt: delivery.createdAt,
        tokens,
        publicUrl: config.publicUrl,
      });
      return mail ? { mail } : { cancel: 'nothing left to confirm' };
    }

    if (subscriber.status !== 'active') return { cancel: `subscriber is ${subscriber.status}` };
    const found = await edition(delivery.editionId as number);
    if (!found) return { cancel: 'edition not found' };
    const preferencesUrl = `${config.publicUrl}/preferences/${tokens.create('preferences', subscriber)}`;
    const unsubscribeToken = tokens.create('unsubscribe', subscriber);
    const unsubscribeUrl = `${config.publicUrl}/unsubscribe/${unsubscribeToken}`;
    const digest = await composeDigest({
      edition: found,
      preferences: subscriber.preferences,
      recipient: { email: subscriber.email, preferencesUrl, unsubscribeUrl },
      renderer,
    });
    if (!digest) return { cancel: 'no paper matches the subscriber’s keywords (only mode)' };
    const unsubscribe = [`<${unsubscribeUrl}>`];
    if (config.listUnsubscribeMailto) {
      unsubscribe.push(`<mailto:${config.listUnsubscribeMailto}?subject=unsubscribe%20${unsubscribeToken}>`);
    }
    return {
      mail: {
        to: subscriber.email,
        subject: digest.subject,
        html: digest.html,
        text: digest.text,
        headers: {
          'List-Unsubscribe': unsubscribe.join(', '),
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': `Paperboy ${found.frequency} digest <${found.frequency}.paperboy.${host}>`,
          'List-Archive': `<${config.publicUrl}/digests>`,
        },
      },
    };
  };
}
