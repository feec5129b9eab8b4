import type { DeliveryKind } from './status.ts';

/**
 * The Message-ID of a delivery's mail, `<delivery-ID.KIND@host>`: a bounce report quoting it
 * names its delivery without a lookup, so message_id needs no index (a write saved per mail).
 */
export function messageIdFor(delivery: { id: number; kind: DeliveryKind }, domain: string): string {
  return `<delivery-${delivery.id}.${delivery.kind}@${domain}>`;
}

/** The delivery id inside a Message-ID made by messageIdFor, with or without angle brackets. */
export function parseMessageId(messageId: string): { deliveryId: number; messageId: string } | undefined {
  const trimmed = messageId.trim();
  const bracketed = trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
  const id = /^<delivery-(\d{1,15})\.[a-z]+@[^<>\s]+>$/.exec(bracketed)?.[1];
  return id === undefined ? undefined : { deliveryId: Number(id), messageId: bracketed };
}
