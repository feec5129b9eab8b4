import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InboundListener, startInboundListener } from '../src/inbound/listener.ts';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Mail that comes back: DSNs to each mail's VERP return path and List-Unsubscribe's mailto,
// received by the inbound SMTP listener over real SMTP.

const DOMAIN = 'bounces.paperboy.test';
const bed = useTestBed({
  smtp: true,
  fixtures: true,
  env: { INBOUND_DOMAIN: DOMAIN, SOFT_BOUNCE_LIMIT: '3' },
  truncate: ['subscribers', 'editions'],
});
let listener: InboundListener;

beforeAll(async () => {
  const { db, inbound, subscribers, log, config } = bed.app.services;
  if (!inbound) throw new Error('INBOUND_DOMAIN is not set');
  listener = await startInboundListener(
    { pool: db.pool, addresses: inbound, subscribers, softBounceLimit: config.softBounceLimit, log },
    { host: '127.0.0.1', port: 0 },
  );
});
afterAll(async () => listener?.close());

/** A DSN as Postfix writes one (multipart/report, RFC 3464), for the mail sent to `recipient`. */
function dsn(recipient: string, status: string, action = 'failed'): string {
  return [
    'From: MAILER-DAEMON@relay.example.net (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'I am sorry to have to inform you that your message could not be delivered.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; relay.example.net',
    'Arrival-Date: Fri,  4 Dec 2026 17:00:00 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    'Diagnostic-Code: smtp; 550 5.1.1 <someone>: Recipient address rejected:',
    '    User unknown in virtual mailbox table',
    '',
    '--B--',
    '',
  ].join('\r\n');
}

async function sendToListener(to: string, raw: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listener.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    return await transport.sendMail({ envelope: { from: '', to: [to] }, raw });
  } finally {
    transport.close();
  }
}

/** Sends the day's digest to `count` readers through the SMTP peer; each reader's mail. */
async function sendDigests(count: number) {
  await readersWithDueEdition(bed.app, count);
  await bed.app.services.sender.drain();
  return bed.smtp.waitForMessages(count);
}

async function reader(email: string) {
  const { rows } = await bed.pool.query(
    'SELECT id, status, soft_bounces, suppressed_at IS NOT NULL AS suppressed, suppression_reason FROM subscribers WHERE email = $1',
    [email],
  );
  return rows[0] as { id: string; status: string; soft_bounces: number; suppressed: boolean };
}

describe('return paths (VERP)', () => {
  it('each mail goes out with its own signed return path, and a hard DSN to it suppresses its reader', async () => {
    const mails = await sendDigests(2);
    const paths = mails.map((mail) => mail.envelopeFrom);
    expect(paths[0]).toMatch(new RegExp(`^bounce\\+\\d+-[0-9a-f]{20}@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(new Set(paths).size).toBe(2);
    const target = mails[0];
    const to = String(target?.to && 'text' in target.to ? target.to.text : '');
    await sendToListener(String(target?.envelopeFrom), dsn(to, '5.1.1'));
    expect(await reader(to)).toMatchObject({
      suppressed: true,
      suppression_reason: expect.stringContaining('5.1.1'),
    });
    const other = mails[1];
    const otherTo = String(other?.to && 'text' in other.to ? other.to.text : '');
    expect(await reader(otherTo)).toMatchObject({ status: 'active', suppressed: false });
  });

  it('a soft DSN counts once per delivery however often it comes; a delay notice counts nothing', async () => {
    const [mail] = await sendDigests(1);
    const to = String(mail?.to && 'text' in mail.to ? mail.to.text : '');
    const returnPath = String(mail?.envelopeFrom);
    await sendToListener(returnPath, dsn(to, '4.4.1', 'delayed'));
    expect(await reader(to)).toMatchObject({ status: 'active', soft_bounces: 0 });
    await sendToListener(returnPath, dsn(to, '4.2.2'));
    await sendToListener(returnPath, dsn(to, '4.2.2'));
    expect(await reader(to)).toMatchObject({ status: 'active', soft_bounces: 1, suppressed: false });
  });

  it('refuses a return path whose signature is wrong, at RCPT TO', async () => {
    await expect(
      sendToListener(`bounce+1-${'0'.repeat(20)}@${DOMAIN}`, dsn('x@example.org', '5.1.1')),
    ).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(
      sendToListener('postmaster@example.org', dsn('x@example.org', '5.1.1')),
    ).rejects.toMatchObject({
      responseCode: 550,
    });
  });
});

describe('List-Unsubscribe mailto', () => {
  it('offers a signed address of the inbound domain; a mail to it unsubscribes; a revoked one is refused', async () => {
    const [mail] = await sendDigests(1);
    const to = String(mail?.to && 'text' in mail.to ? mail.to.text : '');
    const header = mail?.headerLines.find((line) => line.key === 'list-unsubscribe')?.line ?? '';
    const mailto = /<mailto:([^?>]+)/.exec(header)?.[1] ?? '';
    expect(mailto).toMatch(
      new RegExp(`^unsubscribe\\+[0-9a-z]{25}-[0-9a-f]{22}@${DOMAIN.replace(/\./g, '\\.')}$`),
    );
    expect(mailto.split('@')[0]?.length).toBeLessThanOrEqual(64);
    await sendToListener(
      mailto,
      ['From: someone@example.org', 'Subject: unsubscribe', '', 'unsubscribe', ''].join('\r\n'),
    );
    expect(await reader(to)).toMatchObject({ status: 'unsubscribed' });
    // a new link nonce (as "revoke my links" does) revokes the mailto address with the links
    await bed.pool.query('UPDATE subscribers SET link_nonce = gen_random_uuid() WHERE email = $1', [to]);
    await expect(sendToListener(mailto, 'Subject: unsubscribe\r\n\r\nx\r\n')).rejects.toMatchObject({
      responseCode: 550,
    });
  });
});
