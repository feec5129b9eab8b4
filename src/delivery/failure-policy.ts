import { type Backoff, backoffDelay } from '../backoff.ts';
import type { DeliveryKind } from './status.ts';

/**
 * What a failed send means. Nodemailer errors carry the SMTP `responseCode`: a 5xx is a
 * permanent refusal (550 5.1.1 no such user); a 4xx is "try later"; no code at all is a
 * network error (refused, reset, timed out), also worth another try.
 */
export interface SendFailure {
  permanent: boolean;
  message: string;
  response: string | undefined;
  /** A 5xx to RCPT TO: the address itself does not exist or takes no mail. */
  addressRejected: boolean;
  /** The relay said so (or the connection to it failed); false for a failure before SMTP. */
  fromRelay: boolean;
  /** The relay's reply code ("451"), or the network error's ("ECONNRESET"): the metrics' label. */
  code: string;
  /** The relay asks us to send slower (it refused for its rate, not for this message). */
  throttling: boolean;
}

/** Reply text about the sender's rate, as in 421 or 451 answers of relays that throttle. */
const RATE_WORDING = /throttl|\brate\b|too many (messages|mails|connections)|exceed|slow down/i;

/**
 * Amazon SES answers `454 Throttling failure: Maximum sending rate exceeded`; other relays say so
 * with a 421 or 451 about the rate. Greylisting (`451 4.7.1 try again later`) is not throttling.
 */
export function isThrottling(responseCode: number | undefined, text: string): boolean {
  if (responseCode === 454) return true;
  return (responseCode === 421 || responseCode === 451) && RATE_WORDING.test(text);
}

export function classifySendError(error: unknown, fromRelay: boolean): SendFailure {
  const e = error as {
    responseCode?: number;
    response?: string;
    code?: string;
    command?: string;
    message?: string;
  };
  const message = [e.code, e.message].filter(Boolean).join(': ') || String(error);
  const permanent = fromRelay && typeof e.responseCode === 'number' && e.responseCode >= 500;
  return {
    permanent,
    message,
    response: e.response,
    addressRejected: permanent && e.command === 'RCPT TO',
    fromRelay,
    code: String(e.responseCode ?? e.code ?? 'unknown'),
    throttling: fromRelay && isThrottling(e.responseCode, `${e.response ?? ''} ${e.message ?? ''}`),
  };
}

export interface FailurePolicy {
  /** DELIVERY_MAX_ATTEMPTS */
  maxAttempts: number;
  /** The wait before a retry, in seconds. */
  retryBackoff: Backoff;
}

/** What to do with a delivery whose send failed; the recorder writes it with the other outcomes. */
export type Decision =
  | {
      outcome: 'failed';
      error: string;
      response: string | null;
      /** Suppress the address, for this reason. */
      suppress?: string;
      /** Count one more digest in a row undeliverable (SOFT_BOUNCE_LIMIT). */
      countSoftBounce?: boolean;
    }
  | { outcome: 'retry'; error: string; delaySeconds: number };

/** A decision as the recorder writes it: whether the try reached the relay decides what it counts. */
export type RecordedDecision = Decision & { relay: boolean };

/**
 * The retry and bounce policy. A permanent refusal fails the delivery at once, and suppresses
 * the address when it was the address that was refused. A transient failure is retried with
 * backoff until the delivery has had maxAttempts tries of its kind: tries that reached the relay
 * (`attempts`), and failures before SMTP (`localFailures`, a template that would not render)
 * counted apart; a lease that ran out is neither. A digest that runs out of relay attempts counts
 * as a soft bounce of its address.
 */
export function decide(
  delivery: { kind: DeliveryKind; attempts: number; localFailures: number },
  failure: SendFailure,
  policy: FailurePolicy,
  random: () => number = Math.random,
): Decision {
  const failed = { outcome: 'failed', error: failure.message, response: failure.response ?? null } as const;
  if (failure.permanent) {
    return failure.addressRejected ? { ...failed, suppress: `hard bounce: ${failure.message}` } : failed;
  }
  // this try included
  const tries = (failure.fromRelay ? delivery.attempts : delivery.localFailures) + 1;
  if (tries >= policy.maxAttempts) {
    return delivery.kind === 'digest' && failure.fromRelay ? { ...failed, countSoftBounce: true } : failed;
  }
  const retry = delivery.attempts + delivery.localFailures;
  return {
    outcome: 'retry',
    error: failure.message,
    delaySeconds: Math.round(backoffDelay(retry, policy.retryBackoff, random)),
  };
}
