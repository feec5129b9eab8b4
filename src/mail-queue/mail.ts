/** A mail as the rooms that write it hand it to the transport. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** With its angle brackets: `<id@host>`. */
  messageId: string;
  headers?: Record<string, string>;
  /** The SMTP envelope, when its sender is not the From address (a VERP return path). */
  envelope?: { from: string; to: string[] };
}

/** A mail before the sender gives it its Message-ID. */
export type MailContent = Omit<OutgoingMail, 'messageId'>;

/** A mail written as the bytes the relay gets (a digest from its variant's MIME skeleton). */
export interface RawMail {
  /**
   * The bytes, in order. Called once, when a connection is ready for the message: a mail waiting
   * in the transport's queue holds what it is written from, not ~40 KB of bytes, so the bytes
   * live for milliseconds and are freed by the young generation's collections, not left for a
   * full one (which let a worker's buffers reach tens of megabytes).
   */
  write(): Buffer[];
  envelope: { from: string; to: string[] };
  /** With its angle brackets, as in the message's Message-ID field. */
  messageId: string;
}

/** What the transport sends: a mail it composes itself, or one already written. */
export type SendableMail = OutgoingMail | RawMail;
