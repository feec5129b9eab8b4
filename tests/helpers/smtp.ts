import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** How the peer answers the next message: accept it, or fail with an SMTP code. */
type SmtpBehaviour =
  | { accept: true }
  | { code: number; message: string }
  | { dropConnection: true }
  /** Takes the message and never answers it (until reset, which answers 451): a relay hanging. */
  | { hang: true };

/** A message as received: parsed, its bytes as they came (to verify signatures on), its MAIL FROM. */
type ReceivedMail = ParsedMail & { raw: Buffer; envelopeFrom: string };

export interface SmtpPeer {
  url: string;
  messages: ReceivedMail[];
  /** Addresses refused at RCPT TO with 550 5.1.1, as a relay does for a mailbox that does not exist. */
  rejectRecipients: Set<string>;
  /** Milliseconds to wait before answering each message: a slow relay. */
  delayMs: number;
  /** Answers for the messages to come, in order; when empty, every message is accepted. */
  behaviours: SmtpBehaviour[];
  /** After the behaviours: the share of messages (0–1) answered 421 or 451, or cut off, at random. */
  faultShare: number;
  /** SMTP connections opened to the peer since the last reset. */
  readonly connections: number;
  /**
   * Messages per second the peer admits (a token bucket holding one second's worth), answering
   * the rest `454 Throttling failure: Maximum sending rate exceeded` as Amazon SES does; 0: all.
   */
  admitPerSecond: number;
  /** Messages refused for the rate since the last reset. */
  readonly throttled: number;
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Forgets what was received and what it was told: between tests. */
  reset(): void;
  close(): Promise<void>;
}

/** A real SMTP server in the test process, keeping what it receives. */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const behaviours: SmtpBehaviour[] = [];
  const rejectRecipients = new Set<string>();
  const hanging: ((error: Error) => void)[] = [];
  const state = { delayMs: 0, faultShare: 0, connections: 0, admitPerSecond: 0, throttled: 0 };
  const bucket = { tokens: 0, at: 0 };
  /** Takes a token of the rate limit, or says the message is over it. */
  const admitted = (): boolean => {
    if (state.admitPerSecond <= 0) return true;
    const now = Date.now();
    bucket.tokens = Math.min(
      state.admitPerSecond,
      bucket.tokens + ((now - bucket.at) / 1000) * state.admitPerSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  };
  const randomFault = (): SmtpBehaviour => {
    const roll = Math.random();
    if (roll >= state.faultShare) return { accept: true };
    const kind = Math.floor((roll / state.faultShare) * 3);
    if (kind === 0) return { code: 421, message: '4.3.2 service not available, closing channel' };
    if (kind === 1) return { code: 451, message: '4.3.0 try again later' };
    return { dropConnection: true };
  };
  const server = new SMTPServer({
    authOptional: true,
    // any user and password: tests put credentials in SMTP_URL to check they are never logged
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (rejectRecipients.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      if (!admitted()) {
        state.throttled++;
        stream.resume();
        stream.on('end', () =>
          callback(
            Object.assign(new Error('Throttling failure: Maximum sending rate exceeded.'), {
              responseCode: 454,
            }),
          ),
        );
        return;
      }
      const behaviour = behaviours.shift() ?? randomFault();
      if ('dropConnection' in behaviour) {
        // cut the line mid-transaction, as a relay that crashes would
        stream.resume();
        stream.on('end', () => {
          const connections = (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> })
            .connections;
          for (const connection of connections) connection._socket.destroy();
        });
        return;
      }
      if ('hang' in behaviour) {
        stream.resume();
        stream.on('end', () => hanging.push(callback));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const received = new Promise<Buffer>((resolve) =>
        stream.on('end', () => resolve(Buffer.concat(chunks))),
      );
      received.then(
        async (raw) => {
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const mail: ReceivedMail = Object.assign(await simpleParser(raw), { raw, envelopeFrom });
          if ('code' in behaviour) {
            callback(Object.assign(new Error(behaviour.message), { responseCode: behaviour.code }));
            return;
          }
          setTimeout(() => {
            messages.push(mail);
            callback(null);
          }, state.delayMs);
        },
        (error) => callback(error),
      );
    },
  });
  // a client killed mid-session resets its connection: expected in crash tests, not a failure
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    behaviours,
    rejectRecipients,
    get delayMs() {
      return state.delayMs;
    },
    get faultShare() {
      return state.faultShare;
    },
    set faultShare(value: number) {
      state.faultShare = value;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    get connections() {
      return state.connections;
    },
    get admitPerSecond() {
      return state.admitPerSecond;
    },
    set admitPerSecond(value: number) {
      state.admitPerSecond = value;
      bucket.tokens = value;
      bucket.at = Date.now();
    },
    get throttled() {
      return state.throttled;
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      const started = Date.now();
      while (messages.length < count) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return messages;
    },
    reset() {
      for (const answer of hanging.splice(0))
        answer(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
      state.faultShare = 0;
      messages.length = 0;
      behaviours.length = 0;
      rejectRecipients.clear();
      state.delayMs = 0;
      state.connections = 0;
      state.admitPerSecond = 0;
      state.throttled = 0;
    },
    close: () => {
      for (const answer of hanging.splice(0))
        answer(Object.assign(new Error('4.3.0 closing'), { responseCode: 421 }));
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
