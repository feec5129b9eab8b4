import type { DeliveryEvent } from '../delivery/bounces.ts';
import type { RecipientReport } from './dsn.ts';

/**
 * What a DSN's recipient report means for the bounce policy, in the webhook's terms
 * (DeliveryEvent): `failed` with a 5.x.x status (or none) is a hard bounce; `failed` with 4.x.x
 * (a relay that gave up retrying a temporary failure) is a soft one. `delayed`, `delivered`,
 * `relayed` and `expanded` are news, not bounces: undefined.
 */
export function bounceEventOf(report: RecipientReport, messageId: string): DeliveryEvent | undefined {
  if (report.action !== 'failed') return undefined;
  const reason = [report.status, report.diagnostic].filter(Boolean).join(' ').slice(0, 1000) || undefined;
  return {
    type: 'bounce',
    messageId,
    permanent: !report.status?.startsWith('4.'),
    ...(reason ? { reason: `DSN ${reason}` } : {}),
  };
}
