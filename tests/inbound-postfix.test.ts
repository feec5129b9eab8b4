import { afterAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../src/http/app.ts';
import { type InboundListener, startInboundListener } from '../src/inbound/listener.ts';
import { testConfig } from './helpers/app.ts';
import { freePort } from './helpers/browser.ts';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { type Postfix, postfixAvailable, startPostfix } from './helpers/postfix.ts';
import { type SmtpPeer, startSmtpPeer } from './helpers/smtp.ts';
import { useTestBed } from './helpers/test-bed.ts';

// The whole loop with a real relay: Paperboy sends through Postfix, Postfix cannot deliver (the
// next hop refuses the mailbox) and writes its own DSN to the mail's return path, routes it to the inbound listener, and the
// reader is suppressed. Needs Debian's postfix and root (the CI machine has both); skipped
// elsewhere, saying so.

const DOMAIN = 'bounces.paperboy.test';
const bed = useTestBed({ fixtures: true });
let app: App | undefined;
let listener: InboundListener | undefined;
let postfix: Postfix | undefined;
let mailboxes: SmtpPeer | undefined;

afterAll(async () => {
  await app?.close();
  await listener?.close();
  postfix?.stop();
  await mailboxes?.close();
});

describe.skipIf(!postfixAvailable)('with Postfix as the relay', () => {
  it('a reader Postfix cannot deliver to is suppressed by the DSN Postfix returns to the VERP address', {
    timeout: 90_000,
  }, async () => {
    const relayPort = await freePort();
    app = await buildApp(
      testConfig({
        DATABASE_URL: bed.database.url,
        SMTP_URL: `smtp://127.0.0.1:${relayPort}`,
        INBOUND_DOMAIN: DOMAIN,
      }),
    );
    const { db, inbound, subscribers, log, config, sender } = app.services;
    if (!inbound) throw new Error('INBOUND_DOMAIN is not set');
    listener = await startInboundListener(
      { pool: db.pool, addresses: inbound, subscribers, softBounceLimit: config.softBounceLimit, log },
      { host: '127.0.0.1', port: 0 },
    );
    // Postfix takes the mail, then the next hop for example.org refuses the mailbox (550 5.1.1),
    // as a far server does after the relay said 250: the relay writes a DSN. Mail for the inbound
    // domain goes to the listener.
    mailboxes = await startSmtpPeer();
    mailboxes.rejectRecipients.add('reader1@example.org');
    postfix = startPostfix(relayPort, {
      'example.org': `smtp:[127.0.0.1]:${new URL(mailboxes.url).port}`,
      [DOMAIN]: `smtp:[127.0.0.1]:${listener.port}`,
    });
    await readersWithDueEdition(app, 1);
    expect(await sender.drain()).toMatchObject({ sent: 1 });

    const deadline = Date.now() + 60_000;
    let reader: { suppressed: boolean; suppression_reason: string | null } | undefined;
    while (Date.now() < deadline) {
      const { rows } = await bed.pool.query(
        `SELECT suppressed_at IS NOT NULL AS suppressed, suppression_reason FROM subscribers WHERE email = 'reader1@example.org'`,
      );
      reader = rows[0];
      if (reader?.suppressed) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(reader, `Postfix's log:\n${postfix.log()}`).toMatchObject({
      suppressed: true,
      suppression_reason: expect.stringContaining('5.1.1'),
    });
    // Postfix wrote the DSN to the return path it was given, and handed it to the listener
    expect(postfix.log()).toMatch(
      new RegExp(`to=<bounce\\+\\d+-[0-9a-f]{20}@${DOMAIN.replace(/\./g, '\\.')}>.*status=sent`),
    );
  });
});
