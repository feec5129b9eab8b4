/**
 * A delivery's life: pending → sending (leased to one worker) → sent | failed, or back to
 * pending for a retry; cancelled when the subscriber leaves before it went out. A 'sending'
 * row whose lease ran out (its worker crashed) is claimable again.
 */
export const DELIVERY_STATUSES = ['sent', 'sending', 'pending', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryKind = {
  confirmation: 'confirmation',
  digest: 'digest',
} as const;
export type DeliveryKind = (typeof DeliveryKind)[keyof typeof DeliveryKind];
