import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import MailComposer from 'nodemailer/lib/mail-composer';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type { DigestParts, DigestWriter, FixedPiece, Piece } from '../digest/render.ts';
import type { RawMail } from '../mail-queue/mail.ts';
import { type DkimSigner, headerFields } from './dkim.ts';

/**
 * Digests written as bytes from a MIME skeleton, without composing each message again.
 *
 * Nodemailer's MailComposer builds a skeleton once per set of list headers: header fields, the
 * multipart/alternative boundaries and two quoted-printable parts, with placeholders where each
 * recipient's values go. A recipient's message is the skeleton's bytes with their header fields
 * (encoded and folded by Nodemailer's own MimeNode and foldLines) and their digest's pieces
 * (digest/render.ts) in the parts. Each fixed piece of a frame or card is encoded once and kept;
 * only the reader's own strings (links, address, counts) are encoded per message.
 *
 * Quoted-printable is what makes pieces joinable: a soft line break (`=` CRLF) between two
 * independently encoded pieces decodes to the two texts side by side, so no line is longer than
 * 76 characters wherever a piece starts or ends, and no reader's value is ever split by wrapping
 * the whole. Nodemailer's encoder is used for each piece; the joining is this module's own,
 * because Nodemailer encodes a part only as one whole.
 *
 * DKIM: each piece is also made relaxed-canonical as it is encoded (RFC 6376 §3.4.4: no tab,
 * no run of spaces, no space at a line's end; a tab or a second space is written as =09 / =20,
 * which decodes to the same text). The body's canonical form is then its bytes, so its hash is one
 * pass of native SHA-256 over the message as sent, and the header is signed with it
 * (dkim.ts signatureField), covering and oversigning the same fields as every other mail.
 */

/** What a digest's header fields say that is the recipient's own. */
export interface DigestHeaders {
  to: string;
  /** With its angle brackets. */
  messageId: string;
  subject: string;
  /** The List-Unsubscribe field's value. */
  listUnsubscribe: string;
  /** Fields that are the same for every recipient of a list (List-Id, List-Archive, …). */
  listHeaders: Record<string, string>;
}

const MARK = 'PAPERBOY_MIME_';
const PLACEHOLDER = {
  to: 'paperboy-mime-to@skeleton.invalid',
  subject: `${MARK}SUBJECT`,
  messageId: `<${MARK}MESSAGE_ID@skeleton.invalid>`,
  date: `${MARK}DATE`,
  listUnsubscribe: `${MARK}LIST_UNSUBSCRIBE`,
  text: `${MARK}TEXT`,
  html: `${MARK}HTML`,
} as const;

/** The header fields that are each recipient's own, as MimeNode names them. */
const RECIPIENT_FIELDS = {
  To: PLACEHOLDER.to,
  Subject: PLACEHOLDER.subject,
  'Message-ID': PLACEHOLDER.messageId,
  Date: PLACEHOLDER.date,
  'List-Unsubscribe': PLACEHOLDER.listUnsubscribe,
} as const;
type RecipientField = keyof typeof RECIPIENT_FIELDS;

interface Skeleton {
  /** Header fields in order: the skeleton's own text (folded, without CRLF), or a recipient's field. */
  fields: Array<{ fixed: string } | { recipient: RecipientField }>;
  /** The body before the text part's content, between it and the HTML part's, and after that. */
  body: [Buffer, Buffer, Buffer];
  /** The envelope sender, from MAIL_FROM. */
  mailFrom: string;
}

const CRLF = '\r\n';
/** A soft line break: the decoder joins what is before and after it. */
const JOINT = Buffer.from(`=${CRLF}`, 'latin1');
const HEAD_END = Buffer.from(`${CRLF}${CRLF}`, 'latin1');
/**
 * Encoded lines are wrapped at 75 so that the last line of a piece, with the joint's `=` after
 * it, is still within RFC 2045's 76.
 */
const PIECE_LINE_LENGTH = 75;

/** Printable ASCII but `=` and space: quoted-printable writes it as it is (links, tokens, numbers). */
const LITERAL = /^[\x21-\x3c\x3e-\x7e]*$/;
const SOFT_BREAK = `=${CRLF}`;

/** One piece of a part as quoted-printable that is its own relaxed canonical form. */
export function encodePiece(text: string): Buffer {
  if (LITERAL.test(text)) return Buffer.from(wrapLiteral(text), 'latin1');
  const crlf = text.includes('\n') ? text.replace(/\r?\n/g, CRLF) : text;
  const canonical = qpEncode(crlf)
    .replace(/\t/g, '=09')
    .replace(/ {2,}/g, (run) => ` ${'=20'.repeat(run.length - 1)}`);
  return Buffer.from(qpWrap(canonical, PIECE_LINE_LENGTH), 'latin1');
}

/**
 * A literal piece wrapped with soft line breaks: nothing in it is escaped, so any place is a place
 * to break, and the wrapping is a slice every 74 characters (Nodemailer's wrap() looks for
 * escapes and spaces, the per-reader cost this module exists to avoid).
 */
function wrapLiteral(text: string): string {
  const width = PIECE_LINE_LENGTH - 1;
  if (text.length <= PIECE_LINE_LENGTH) return text;
  let wrapped = '';
  for (let at = 0; at < text.length; at += width)
    wrapped += at + width < text.length ? `${text.slice(at, at + width)}${SOFT_BREAK}` : text.slice(at);
  return wrapped;
}

async function buildSkeleton(mailFrom: string, listHeaders: Record<string, string>): Promise<Skeleton> {
  const node = new MailComposer({
    from: mailFrom,
    to: PLACEHOLDER.to,
    subject: PLACEHOLDER.subject,
    messageId: PLACEHOLDER.messageId,
    date: PLACEHOLDER.date,
    encoding: 'quoted-printable',
    text: PLACEHOLDER.text,
    html: PLACEHOLDER.html,
    headers: { 'List-Unsubscribe': PLACEHOLDER.listUnsubscribe, ...listHeaders },
  }).compile();
  const built = (await node.build()).toString('utf8').replace(/\r?\n/g, CRLF);
  const end = built.indexOf(`${CRLF}${CRLF}`);
  const fields = headerFields(built.slice(0, end)).map(({ raw: field }) => {
    const recipient = (Object.keys(RECIPIENT_FIELDS) as RecipientField[]).find((name) =>
      field.includes(RECIPIENT_FIELDS[name]),
    );
    return recipient ? { recipient } : { fixed: field };
  });
  const [beforeText, rest = ''] = built.slice(end + 4).split(PLACEHOLDER.text);
  const [between, afterHtml = ''] = rest.split(PLACEHOLDER.html);
  if (beforeText === undefined || between === undefined || !afterHtml.endsWith(CRLF))
    throw new Error('the MIME skeleton of digests lost its placeholders');
  return {
    fields,
    // the body's end is its last CRLF: an empty line there would not be in its canonical form
    body: [beforeText, between, afterHtml.replace(/(\r\n)+$/, CRLF)].map((text) =>
      Buffer.from(text, 'latin1'),
    ) as Skeleton['body'],
    mailFrom: node.getEnvelope().from || mailFrom,
  };
}

/** Readers' own strings kept encoded: the ones that repeat from reader to reader. */
const REPEATED_STRINGS = 2000;
/** Longer strings are a reader's own (a contents list, a link): not worth keeping. */
const REPEATED_LENGTH = 400;

/** Skeletons kept: one per set of list headers (one per frequency and public URL). */
const SKELETONS = 8;
/** Encoded header fields kept: subjects repeat across an edition's readers. */
const SUBJECTS = 2000;

export class DigestMessages {
  private readonly skeletons = new LRUCache<string, Promise<Skeleton>>({ max: SKELETONS });
  /** A fixed piece's encoding lives as long as the frame or card that holds the piece. */
  private readonly encodedPieces = new WeakMap<FixedPiece, Buffer>();
  private readonly subjects = new LRUCache<string, string>({ max: SUBJECTS });
  /** Readers' strings that repeat (ranks, reasons, intros, keyword lines), encoded once. */
  private readonly repeated = new LRUCache<string, Buffer>({ max: REPEATED_STRINGS });
  /** For MimeNode's header encoding, which is the same whatever node asks. */
  private readonly headerEncoder = new MimeNode();

  constructor(
    private readonly mailFrom: string,
    private readonly signer?: DkimSigner,
  ) {}

  /**
   * A recipient's digest with its envelope, written into bytes only when the transport reads it
   * (RawMail.write): until then it holds its pieces, which are mostly shared.
   */
  async compose(
    parts: DigestParts | DigestWriter['parts'],
    headers: DigestHeaders,
    now = new Date(),
  ): Promise<RawMail> {
    const skeleton = await this.skeleton(headers.listHeaders);
    const to = this.headerEncoder.encodeHeaderValue('To', headers.to);
    return {
      envelope: { from: skeleton.mailFrom, to: [to] },
      messageId: headers.messageId,
      write: () => this.write(skeleton, parts, headers, to, now),
    };
  }

  /** The bytes: the header (signed, with DKIM configured), then the body. */
  private write(
    skeleton: Skeleton,
    digest: DigestParts | DigestWriter['parts'],
    headers: DigestHeaders,
    to: string,
    now: Date,
  ) {
    const parts = typeof digest === 'function' ? digest() : digest;
    const values: Record<RecipientField, () => string> = {
      To: () => `To: ${to}`,
      Subject: () => this.subjectField(headers.subject),
      'Message-ID': () => this.field('Message-ID', headers.messageId),
      Date: () => this.field('Date', now),
      'List-Unsubscribe': () => this.field('List-Unsubscribe', headers.listUnsubscribe),
    };
    const head = Buffer.from(
      skeleton.fields.map((field) => ('fixed' in field ? field.fixed : values[field.recipient]())).join(CRLF),
      'utf8',
    );
    const chunks: Buffer[] = [skeleton.body[0]];
    this.encodePieces(parts.text, chunks);
    chunks.push(skeleton.body[1]);
    this.encodePieces(parts.html, chunks);
    chunks.push(skeleton.body[2]);
    // one buffer, hashed in one call: hash.update per piece costs more than the copy
    const body = Buffer.concat(chunks);
    const signature = this.signer
      ? this.signer.signatureField(
          head.toString('latin1'),
          createHash('sha256').update(body).digest('base64'),
          now,
        )
      : '';
    return [Buffer.concat([Buffer.from(signature, 'latin1'), head, HEAD_END]), body];
  }

  private skeleton(listHeaders: Record<string, string>): Promise<Skeleton> {
    const key = JSON.stringify(listHeaders);
    let skeleton = this.skeletons.get(key);
    if (!skeleton) {
      skeleton = buildSkeleton(this.mailFrom, listHeaders);
      this.skeletons.set(key, skeleton);
      skeleton.catch(() => this.skeletons.delete(key));
    }
    return skeleton;
  }

  /** A header field as MimeNode writes it: the value encoded (RFC 2047 where needed) and folded. */
  private field(name: string, value: string | Date): string {
    return foldLines(`${name}: ${this.headerEncoder.encodeHeaderValue(name, value)}`, 76);
  }

  private subjectField(subject: string): string {
    let field = this.subjects.get(subject);
    if (field === undefined) {
      field = this.field('Subject', subject);
      this.subjects.set(subject, field);
    }
    return field;
  }

  /** A part's pieces, encoded and joined by soft line breaks, appended to `chunks`. */
  private encodePieces(pieces: Piece[], chunks: Buffer[]): void {
    let first = true;
    for (const piece of pieces) {
      const encoded = typeof piece === 'string' ? this.encodedString(piece) : this.encodedPiece(piece);
      if (encoded.length === 0) continue;
      if (!first) chunks.push(JOINT);
      chunks.push(encoded);
      first = false;
    }
  }

  private encodedString(text: string): Buffer {
    if (text.length > REPEATED_LENGTH || LITERAL.test(text)) return encodePiece(text);
    let encoded = this.repeated.get(text);
    if (!encoded) {
      encoded = encodePiece(text);
      this.repeated.set(text, encoded);
    }
    return encoded;
  }

  private encodedPiece(piece: FixedPiece): Buffer {
    let encoded = this.encodedPieces.get(piece);
    if (!encoded) {
      encoded = encodePiece(piece.text);
      this.encodedPieces.set(piece, encoded);
    }
    return encoded;
  }
}
