import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The addresses mail comes back to, under INBOUND_DOMAIN, each signed so nobody can forge one:
 *
 * - `bounce+<delivery id>-<mac>@domain`: the return path (envelope sender, VERP) of one delivery.
 *   A DSN arrives addressed to it, so the delivery it is about is known without reading the
 *   bounce's prose, and a DSN for a made-up id is refused.
 * - `unsubscribe+<subscriber>-<mac>@domain`: List-Unsubscribe's `mailto:`. Its MAC covers the
 *   subscriber's link nonce, like the https links, so rotating the nonce revokes it with them.
 *
 * A local part may have at most 64 characters (RFC 5321) and some relays fold its case, so
 * everything in it is lowercase: the subscriber's uuid in base 36 (25 characters), the MAC in
 * hex (88 bits for unsubscribe, 80 for bounces: a forger gets one guess per SMTP transaction).
 */
const UNSUBSCRIBE_MAC_BYTES = 11;
const BOUNCE_MAC_BYTES = 10;
const UUID_BASE36_LENGTH = 25;

export type InboundRecipient =
  | { kind: 'bounce'; deliveryId: number; mac: string }
  | { kind: 'unsubscribe'; subscriberId: string; mac: string };

function uuidToBase36(uuid: string): string {
  return BigInt(`0x${uuid.replace(/-/g, '')}`)
    .toString(36)
    .padStart(UUID_BASE36_LENGTH, '0');
}

function base36ToUuid(text: string): string | undefined {
  let value = 0n;
  for (const char of text) {
    const digit = Number.parseInt(char, 36);
    if (Number.isNaN(digit)) return undefined;
    value = value * 36n + BigInt(digit);
  }
  const hex = value.toString(16).padStart(32, '0');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class InboundAddresses {
  private readonly key: Buffer;

  constructor(
    secretKey: string,
    readonly domain: string,
  ) {
    // a key of its own, so these MACs never collide with the link tokens' (tokens.ts)
    this.key = createHmac('sha256', secretKey).update('paperboy inbound addresses v1').digest();
  }

  private mac(text: string, bytes: number): string {
    return createHmac('sha256', this.key).update(text).digest().subarray(0, bytes).toString('hex');
  }

  /** The return path of one delivery's mail. */
  returnPath(deliveryId: number): string {
    return `bounce+${deliveryId}-${this.mac(`bounce\n${deliveryId}`, BOUNCE_MAC_BYTES)}@${this.domain}`;
  }

  /** The address List-Unsubscribe's mailto: names for a subscriber. */
  unsubscribeAddress(subscriber: { id: string; linkNonce: string }): string {
    const id = uuidToBase36(subscriber.id);
    return `unsubscribe+${id}-${this.unsubscribeMac(subscriber.id, subscriber.linkNonce)}@${this.domain}`;
  }

  private unsubscribeMac(subscriberId: string, linkNonce: string): string {
    return this.mac(`unsubscribe\n${subscriberId}\n${linkNonce}`, UNSUBSCRIBE_MAC_BYTES);
  }

  /**
   * What an address of ours says, before anything is looked up; undefined for any other address.
   * A bounce's MAC is checked here; an unsubscribe's needs the subscriber's nonce (unsubscribeIsValid).
   */
  parse(address: string): InboundRecipient | undefined {
    const at = address.lastIndexOf('@');
    if (at < 0 || address.slice(at + 1).toLowerCase() !== this.domain.toLowerCase()) return undefined;
    const local = address.slice(0, at).toLowerCase();
    const bounce = /^bounce\+(\d{1,15})-([0-9a-f]+)$/.exec(local);
    if (bounce) {
      const [, id, mac] = bounce as unknown as [string, string, string];
      if (!this.sameMac(mac, this.mac(`bounce\n${id}`, BOUNCE_MAC_BYTES))) return undefined;
      return { kind: 'bounce', deliveryId: Number(id), mac };
    }
    const unsubscribe = new RegExp(`^unsubscribe\\+([0-9a-z]{${UUID_BASE36_LENGTH}})-([0-9a-f]+)$`).exec(
      local,
    );
    if (unsubscribe) {
      const [, id, mac] = unsubscribe as unknown as [string, string, string];
      const subscriberId = base36ToUuid(id);
      return subscriberId ? { kind: 'unsubscribe', subscriberId, mac } : undefined;
    }
    return undefined;
  }

  /** Whether an unsubscribe address was made for this subscriber under their current nonce. */
  unsubscribeIsValid(recipient: { subscriberId: string; mac: string }, linkNonce: string): boolean {
    return this.sameMac(recipient.mac, this.unsubscribeMac(recipient.subscriberId, linkNonce));
  }

  private sameMac(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
