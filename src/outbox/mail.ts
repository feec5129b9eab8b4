/** A mail as the rooms that write it hand it to the transport. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** With its angle brackets: `<id@host>`. */
  messageId: string;
  headers?: Record<string, string>;
}

/** A mail before the sender gives it its Message-ID. */
export type MailContent = Omit<OutgoingMail, 'messageId'>;
