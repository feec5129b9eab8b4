import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';

/**
 * DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed) with oversigning. Written here because
 * neither Nodemailer's signer nor mailauth's can oversign: both list each header in h= as often
 * as it occurs, so a header added on the way (a second List-Unsubscribe, a Reply-To) leaves the
 * signature valid. Listing a header once more than it occurs makes any added instance break it
 * (RFC 6376 §5.4.2: a name in h= with no instance left contributes nothing to the hash, and a
 * verifier then takes the added one).
 */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Signed, each once more than it occurs (README "Headers" lists them). */
export const SIGNED = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
];

/**
 * Every signed header is oversigned: a forwarder can prepend any of them (a second To, Date or
 * Content-Type would otherwise ride on the signature and be the one a reader's client shows), and
 * an absent one (Cc, Sender) listed once means none may be added.
 */
const OVERSIGNED = new Set(SIGNED.map((name) => name.toLowerCase()));

interface HeaderField {
  key: string;
  /** The whole field, folding included, without its final CRLF. */
  raw: string;
}

function splitMessage(message: Buffer): { head: string; body: Buffer } {
  const end = message.indexOf('\r\n\r\n');
  const head = message.subarray(0, end === -1 ? message.length : end).toString('latin1');
  const body = end === -1 ? Buffer.alloc(0) : message.subarray(end + 4);
  return { head, body };
}

/** A header block (CRLF line ends) as its fields, each with its folded lines. */
export function headerFields(head: string): HeaderField[] {
  const headers: HeaderField[] = [];
  for (const line of head.split('\r\n')) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) last.raw += `\r\n${line}`;
    else headers.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return headers;
}

/** Relaxed header canonicalization (§3.4.2). */
function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** Relaxed body canonicalization (§3.4.4), hashed. */
export function relaxedBodyHash(body: Buffer): string {
  const lines = body
    .toString('latin1')
    .split('\r\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const canonical = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  return createHash('sha256').update(canonical, 'latin1').digest('base64');
}

/** The h= list: each signed name as often as it occurs, oversigned names once more. */
function signedNames(headers: HeaderField[]): string[] {
  const names: string[] = [];
  for (const name of SIGNED) {
    const key = name.toLowerCase();
    const count = headers.filter((header) => header.key === key).length + (OVERSIGNED.has(key) ? 1 : 0);
    for (let i = 0; i < count; i++) names.push(name);
  }
  return names;
}

/** The header data hashed for h=: instances taken from the bottom up, a missing one adding nothing. */
function headerData(headers: HeaderField[], names: string[]): string {
  const used = new Map<string, number>();
  let data = '';
  for (const name of names) {
    const key = name.toLowerCase();
    const instances = headers.filter((header) => header.key === key);
    const taken = used.get(key) ?? 0;
    used.set(key, taken + 1);
    const instance = instances[instances.length - 1 - taken];
    if (instance) data += `${relaxedHeader(instance.raw)}\r\n`;
  }
  return data;
}

export class DkimSigner {
  private readonly key: KeyObject;

  constructor(private readonly options: DkimKey) {
    this.key = createPrivateKey(options.privateKey);
  }

  /**
   * The message with a DKIM-Signature field on top, its line ends made CRLF first: SMTP sends
   * them so (Nodemailer turns a bare LF of a text part into CRLF on the wire), and the body hash
   * must be of what the receiver gets.
   */
  sign(input: Buffer, now = new Date()): Buffer {
    const message = Buffer.from(input.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    const { head, body } = splitMessage(message);
    const field = this.signatureField(head, relaxedBodyHash(body), now);
    return Buffer.concat([Buffer.from(field, 'latin1'), message]);
  }

  /**
   * The DKIM-Signature field (with its CRLF) for a header block and the body hash already known:
   * for a sender that makes its bodies relaxed-canonical as it writes them, so the hash is taken
   * over the bytes as they are (delivery/digest-message.ts). `head` is the header block without
   * its final CRLF, its bytes as latin1 characters.
   */
  signatureField(head: string, bodyHash: string, now = new Date()): string {
    const headers = headerFields(head);
    const names = signedNames(headers);
    const tags = [
      'v=1',
      'a=rsa-sha256',
      'c=relaxed/relaxed',
      `d=${this.options.domainName}`,
      `s=${this.options.keySelector}`,
      `t=${Math.floor(now.getTime() / 1000)}`,
      `bh=${bodyHash}`,
      `h=${names.join(':')}`,
    ];
    const unsigned = `DKIM-Signature: ${tags.join(';\r\n\t')};\r\n\tb=`;
    const data = headerData(headers, names) + relaxedHeader(unsigned);
    // on the event loop: signing on libuv's thread pool (sign() with a callback) costs about 70 µs
    // more CPU a signature, and on two cores shared with the relay and PostgreSQL sent no faster
    const signature = sign('sha256', Buffer.from(data, 'latin1'), this.key).toString('base64');
    const folded = signature.replace(/(.{72})/g, '$1\r\n\t').trimEnd();
    return `${unsigned}${folded}\r\n`;
  }
}
