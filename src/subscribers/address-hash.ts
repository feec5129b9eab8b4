import { createHmac } from 'node:crypto';

/**
 * A keyed hash of an address, for the suppression list of addresses that have no subscriber row
 * (suppressed_addresses): an erased subscriber who bounced or complained, an address the
 * operator suppressed. Keyed (HMAC-SHA256 under a key derived from SECRET_KEY), so the list
 * cannot be checked against a list of known addresses by anyone without the key. Case-blind,
 * like the unique index on subscribers.
 */
export class AddressHasher {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = createHmac('sha256', secretKey).update('paperboy address hash v1').digest();
  }

  hash(email: string): Buffer {
    return createHmac('sha256', this.key).update(email.trim().toLowerCase()).digest();
  }
}
