import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Link tokens: the confirm, preferences and unsubscribe links in mail.
 *
 * Scheme. A token is `<subject id>.<expiry>.<mac>`:
 * - subject id: the subscriber's uuid, so the link is bound to one subscriber; for a confirm
 *   link, the uuid of the subscription request it confirms (subscription_requests), so it
 *   applies that request and no other, once;
 * - expiry: Unix seconds in base 36, or `0` for a link that does not expire (unsubscribe and
 *   preferences must keep working in old mail; confirmation links last 7 days);
 * - mac: HMAC-SHA256 under a key derived from SECRET_KEY (or, to verify, from one of
 *   SECRET_KEY_PREVIOUS: README "Rotating SECRET_KEY") over
 *   `purpose \n subject id \n expiry \n nonce`, truncated to 192 bits, base64url.
 *
 * A `feed` token opens a reader's private Atom feed and nothing else: it is the one link meant to
 * be handed to a feed reader (another service), so it must not change any setting.
 * The purpose is inside the MAC, so a preferences token never works as an unsubscribe token; for
 * "more / less like this" so is the paper (`\n arXiv id` after the nonce), so a token for one
 * paper never answers for another.
 * The nonce is a random per-subscriber value kept in the database (subscribers.link_nonce for
 * preferences and unsubscribe, subscribers.confirm_nonce for confirm): rotating it revokes
 * every link of that kind at once (unsubscribing rotates confirm_nonce, so an old confirmation
 * mail cannot resubscribe anyone). Nothing else is stored: a digest's per-recipient links are
 * derived at send time, one HMAC each, without a write per mail. Verification recomputes the
 * MAC and compares it with crypto.timingSafeEqual.
 */
export type TokenPurpose = 'confirm' | 'preferences' | 'unsubscribe' | 'more' | 'less' | 'feed';

/**
 * Purposes whose token is bound to one thing besides the subscriber: "more like this" and "less
 * like this" name a paper (its arXiv id is in the MAC, and in the link beside the token).
 */
const PURPOSES_WITH_OBJECT: readonly TokenPurpose[] = ['more', 'less'];

export const CONFIRM_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const MAC_BYTES = 24;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TokenSubject {
  id: string;
  linkNonce: string;
  confirmNonce: string;
}

export interface ParsedToken {
  /** The subscriber, or for a confirmation link the request it confirms. */
  subjectId: string;
  expiresAt: Date | undefined;
  raw: { expiry: string; mac: Buffer };
}

function nonceFor(purpose: TokenPurpose, subject: TokenSubject): string {
  return purpose === 'confirm' ? subject.confirmNonce : subject.linkNonce;
}

/** A key of its own for link tokens, so SECRET_KEY can sign other things without the two ever colliding. */
const linkTokenKey = (secretKey: string) =>
  createHmac('sha256', secretKey).update('paperboy link tokens v1').digest();

export class LinkTokens {
  private readonly key: Buffer;
  /** Keys of SECRET_KEY_PREVIOUS: they verify links in mail sent before a rotation, and sign nothing. */
  private readonly previousKeys: Buffer[];

  constructor(secretKey: string, previousSecretKeys: readonly string[] = []) {
    this.key = linkTokenKey(secretKey);
    this.previousKeys = previousSecretKeys.map(linkTokenKey);
  }

  private mac(
    purpose: TokenPurpose,
    subjectId: string,
    expiry: string,
    nonce: string,
    object?: string,
    key: Buffer = this.key,
  ): Buffer {
    return createHmac('sha256', key)
      .update(`${purpose}\n${subjectId}\n${expiry}\n${nonce}${object === undefined ? '' : `\n${object}`}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  /** `object`: the paper of a "more / less like this" token (PURPOSES_WITH_OBJECT). */
  create(purpose: TokenPurpose, subject: TokenSubject, expiresAt?: Date, object?: string): string {
    const expiry = expiresAt ? Math.floor(expiresAt.getTime() / 1000).toString(36) : '0';
    const mac = this.mac(purpose, subject.id, expiry, nonceFor(purpose, subject), object).toString(
      'base64url',
    );
    return `${subject.id}.${expiry}.${mac}`;
  }

  /** The shape of a token, before anything is looked up; undefined when it cannot be one. */
  parse(token: string): ParsedToken | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [subjectId, expiry, mac] = parts as [string, string, string];
    if (!UUID.test(subjectId) || !/^[0-9a-z]{1,10}$/.test(expiry) || !/^[A-Za-z0-9_-]{32}$/.test(mac)) {
      return undefined;
    }
    const seconds = Number.parseInt(expiry, 36);
    return {
      subjectId,
      expiresAt: seconds === 0 ? undefined : new Date(seconds * 1000),
      raw: { expiry, mac: Buffer.from(mac, 'base64url') },
    };
  }

  /** Whether the token was made for this purpose and subject and has not been revoked. */
  matches(parsed: ParsedToken, purpose: TokenPurpose, subject: TokenSubject, object?: string): boolean {
    if (parsed.subjectId !== subject.id) return false;
    if (PURPOSES_WITH_OBJECT.includes(purpose) !== (object !== undefined)) return false;
    // the current key, then the previous ones: a link keeps working after a rotation until its own expiry
    return [this.key, ...this.previousKeys].some((key) => {
      const expected = this.mac(
        purpose,
        subject.id,
        parsed.raw.expiry,
        nonceFor(purpose, subject),
        object,
        key,
      );
      return parsed.raw.mac.length === expected.length && timingSafeEqual(parsed.raw.mac, expected);
    });
  }
}
