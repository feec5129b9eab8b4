import { finished } from 'node:stream/promises';
import { Headers, Splitter } from '@zone-eu/mailsplit';

/** One recipient's report in a delivery status notification (RFC 3464 section 2.3). */
export interface RecipientReport {
  /** Final-Recipient's address, without its `rfc822;` type. */
  recipient: string | undefined;
  /** failed, delayed, delivered, relayed or expanded. */
  action: string;
  /** The enhanced status code (RFC 3463), e.g. 5.1.1. */
  status: string | undefined;
  diagnostic: string | undefined;
}

/** The parts of a DSN that say what happened, in header syntax (RFC 3464, RFC 6533). */
const DELIVERY_STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/** The bodies of the delivery-status parts of a mail, split by mailsplit (mailparser's MIME splitter). */
async function deliveryStatusParts(raw: Buffer | string): Promise<string[]> {
  const splitter = new Splitter({ ignoreEmbedded: true });
  const parts = new Map<object, Buffer[]>();
  splitter.on('data', (data) => {
    if (data.type === 'node' && DELIVERY_STATUS_TYPES.has(String(data.contentType).toLowerCase()))
      parts.set(data, []);
    else if (data.type === 'body') parts.get(data.node)?.push(data.value);
  });
  splitter.end(raw);
  // a Transform in object mode: reading it to its end is what runs the split
  await finished(splitter.resume());
  return [...parts.values()].map((chunks) => Buffer.concat(chunks).toString('utf8'));
}

/**
 * The per-recipient reports of a delivery status notification, or none for a mail that is not
 * one (an auto-reply, a person writing back). mailsplit finds the multipart/report's
 * delivery-status part; its text is header syntax, blocks of fields separated by blank lines (the
 * first about the message, then one per recipient), so each block is read by mailsplit's header
 * parser, unfolding and all. No npm package reads RFC 3464's fields: the maintained bounce
 * parsers (email-bounce-parser) read the prose of the human-readable part, which every MTA words
 * its own way.
 */
export async function recipientReports(raw: Buffer | string): Promise<RecipientReport[]> {
  const reports: RecipientReport[] = [];
  for (const part of await deliveryStatusParts(raw)) {
    const blocks = part
      .replace(/\r\n/g, '\n')
      .split(/\n[ \t]*\n/)
      .filter((block) => block.trim() !== '');
    for (const block of blocks.slice(1)) {
      const headers = new Headers(Buffer.from(`${block.trim()}\r\n\r\n`));
      const field = (name: string) => headers.getFirst(name) || undefined;
      const action = field('action')?.toLowerCase();
      if (!action) continue;
      reports.push({
        recipient: field('final-recipient')?.replace(/^[^;]*;\s*/, ''),
        action,
        status: field('status')?.match(/\d\.\d{1,3}\.\d{1,3}/)?.[0],
        diagnostic: field('diagnostic-code')?.replace(/^[^;]*;\s*/, ''),
      });
    }
  }
  return reports;
}
