/**
 * What a failed send means. Nodemailer errors carry the SMTP `responseCode`: a 5xx is a
 * permanent refusal (550 5.1.1 no such user); a 4xx is "try later"; no code at all is a
 * network error (refused, reset, timed out), also worth another try.
 */
export type FailureKind = 'transient' | 'permanent';

export interface SmtpFailure {
  kind: FailureKind;
  message: string;
  response: string | undefined;
  /** A 5xx to RCPT TO: the address itself does not exist or takes no mail. */
  addressRejected: boolean;
}

export function classifySendError(error: unknown): SmtpFailure {
  const e = error as {
    responseCode?: number;
    response?: string;
    code?: string;
    command?: string;
    message?: string;
  };
  const message = [e.code, e.message].filter(Boolean).join(': ') || String(error);
  const kind: FailureKind =
    typeof e.responseCode === 'number' && e.responseCode >= 500 ? 'permanent' : 'transient';
  return {
    kind,
    message,
    response: e.response,
    addressRejected: kind === 'permanent' && e.command === 'RCPT TO',
  };
}

const BASE_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 6 * 60 * 60;

/**
 * Seconds before attempt `attempt + 1`: exponential (30 s, 1 min, 2 min, … capped at 6 h)
 * with "equal jitter", so retries of many messages after one outage spread out instead of
 * hitting the relay together.
 */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
