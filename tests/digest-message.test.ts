import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestMessages, encodePiece } from '../src/delivery/digest-message.ts';
import { DkimSigner, relaxedBodyHash } from '../src/delivery/dkim.ts';
import type { Edition } from '../src/digest/editions.ts';
import { personalDigestWriter, renderPersonalDigest } from '../src/digest/personal-digest.ts';
import type { ReaderFeedback } from '../src/subscribers/feedback.ts';
import { DEFAULT_PREFERENCES, type Preferences } from '../src/subscribers/preferences.ts';
import { largeEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ fixtures: true });

const MAIL_FROM = 'Paperboy <digest@paperboy.test>';
const LIST_HEADERS = {
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.test>',
  'List-Archive': '<https://paperboy.test/digests>',
};

/** Every shape an address may take (email-address.ts), each of them also printed in the body. */
const ADDRESSES = [
  'ann@example.org',
  "o'brien+digest&more@example.org",
  "x!#$%&'*+-/=?^_`{|}~@sub.example.org",
  'jürgen.müller@example.org',
  'δοκιμή@παράδειγμα.δοκιμή',
  'ann@bücher.example',
  `${'l'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(40)}.org`,
];

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = new DkimSigner({
  domainName: 'paperboy.test',
  keySelector: 'mail',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
});
const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const resolver = async (name: string) => {
  if (name !== 'mail._domainkey.paperboy.test')
    throw Object.assign(new Error('no record'), { code: 'ENOTFOUND' });
  return [[record]];
};

/**
 * The address as RCPT TO names it: a domain in punycode, unless the local part is not ASCII
 * (then the relay must speak SMTPUTF8 anyway, and the domain stays as typed).
 */
function envelopeAddress(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  return /^[\x20-\x7e]*$/.test(local) ? `${local}@${domainToASCII(email.slice(at + 1))}` : email;
}

type Profile = Pick<Preferences, 'keywords' | 'keywordMode' | 'maxPapers'>;

/** Every shape of variant: frame sizes, keyword lines or none, weekly, learned and followed readers. */
function variants(
  daily: Edition,
  weekly: Edition,
): Array<{
  name: string;
  edition: Edition;
  preferences: Profile;
  feedback?: ReaderFeedback;
}> {
  const liked = daily.papers[3] as Edition['papers'][number];
  const author = daily.papers[5]?.authors[0]?.name ?? 'nobody';
  return [
    { name: 'default, 10 papers', edition: daily, preferences: DEFAULT_PREFERENCES },
    { name: 'one paper', edition: daily, preferences: { ...DEFAULT_PREFERENCES, maxPapers: 1 } },
    {
      name: 'keywords that match, marked in titles',
      edition: daily,
      preferences: { ...DEFAULT_PREFERENCES, keywords: ['LoRA', 'diffusion', 'language'] },
    },
    {
      name: 'keywords that match nothing',
      edition: daily,
      preferences: { ...DEFAULT_PREFERENCES, keywords: ['zzzz-no-such-topic'] },
    },
    { name: 'weekly, 20 papers', edition: weekly, preferences: { ...DEFAULT_PREFERENCES, maxPapers: 20 } },
    {
      name: '50 papers',
      edition: largeEdition(daily.papers, 50),
      preferences: { ...DEFAULT_PREFERENCES, maxPapers: 50 },
    },
    {
      name: 'learned and followed',
      edition: daily,
      preferences: { ...DEFAULT_PREFERENCES, keywords: ['model'] },
      feedback: { signals: [{ ...liked, signal: 1, at: new Date() }], follows: [author] },
    },
  ];
}

describe('digests written from their MIME skeleton', () => {
  let daily: Edition;
  let weekly: Edition;
  beforeAll(async () => {
    daily = (await bed.app.services.editions.build('daily', '2026-03-11')).edition;
    weekly = (await bed.app.services.editions.build('weekly', '2026-03-09')).edition;
  });

  it('parse back (mailparser) to exactly what the renderer made, for every variant and address, and verify (mailauth)', async () => {
    const { renderer, links } = bed.app.services;
    const signed = new DigestMessages(MAIL_FROM, signer);
    const unsigned = new DigestMessages(MAIL_FROM);
    let checked = 0;
    for (const variant of variants(daily, weekly)) {
      for (const [index, email] of ADDRESSES.entries()) {
        const reader = { id: randomUUID(), linkNonce: randomUUID(), confirmNonce: randomUUID() };
        const recipientLinks = links.forDigest(reader);
        const options = { ...variant, recipient: { email, ...recipientLinks }, renderer };
        const expected = await renderPersonalDigest(options);
        const parts = (await personalDigestWriter(options))?.parts();
        expect(expected, variant.name).not.toBeNull();
        const messageId = `<delivery-${1000 + index}.digest@paperboy.test>`;
        const headers = {
          to: email,
          messageId,
          subject: parts!.subject,
          listUnsubscribe: `<${recipientLinks.unsubscribeUrl}>, <mailto:unsubscribe@paperboy.test?subject=unsubscribe%20${recipientLinks.unsubscribeToken}>`,
          listHeaders: LIST_HEADERS,
        };
        const at = `${variant.name}, ${email}`;
        for (const messages of [signed, unsigned]) {
          const mail = await messages.compose(parts!, headers);
          const raw = Buffer.concat(mail.write());
          const parsed = await simpleParser(raw);
          expect(parsed.html, at).toBe(expected!.html);
          expect(parsed.text?.replace(/\r\n/g, '\n'), at).toBe(expected!.text.replace(/\r\n/g, '\n'));
          expect(parsed.subject, at).toBe(expected!.subject);
          expect(parsed.messageId, at).toBe(messageId);
          const field = (key: string) =>
            parsed.headerLines.find((h) => h.key === key)?.line.replace(/\r\n\s+/g, ' ');
          expect(field('list-unsubscribe-post'), at).toBe(
            'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
          );
          expect(field('list-id'), at).toBe(`List-ID: ${LIST_HEADERS['List-Id']}`);
          expect(field('list-unsubscribe'), at).toBe(`List-Unsubscribe: ${headers.listUnsubscribe}`);
          const to = (parsed.to as { value: Array<{ address?: string }> }).value[0]?.address ?? '';
          expect(to, at).toBe(email);
          expect(mail.envelope).toEqual({ from: 'digest@paperboy.test', to: [envelopeAddress(email)] });

          // every line within RFC 5322's limit, every body line within quoted-printable's 76
          const text = raw.toString('utf8');
          const bodyAt = text.indexOf('\r\n\r\n') + 4;
          expect(
            text.split('\r\n').every((line) => Buffer.byteLength(line) <= 998),
            at,
          ).toBe(true);
          expect(
            text
              .slice(bodyAt)
              .split('\r\n')
              .every((line) => line.length <= 76),
            at,
          ).toBe(true);
          // no bare line feed or carriage return anywhere
          expect(/\r(?!\n)|(?<!\r)\n/.test(text), at).toBe(false);
          // the body as written is its own relaxed canonical form: hashing its bytes is the DKIM body hash
          const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
          expect(createHash('sha256').update(body).digest('base64'), at).toBe(relaxedBodyHash(body));
          if (messages === signed) {
            const verdict = await dkimVerify(raw, { resolver });
            expect(
              verdict.results.map((result: { status: { result: string } }) => result.status.result),
              at,
            ).toEqual(['pass']);
          } else {
            expect(text.startsWith('DKIM-Signature'), at).toBe(false);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(variants(daily, weekly).length * ADDRESSES.length * 2);
  });

  it('encodes a piece so that it decodes to itself and needs no canonicalisation, whatever its spaces and line ends', async () => {
    const messages = new DigestMessages(MAIL_FROM, signer);
    const awkward = [
      'two  spaces,\tone tab, a trailing space \nand a line of its own\r\n\r\n',
      ' '.repeat(200),
      `${'=3D'.repeat(40)} ü ${'é'.repeat(80)}`,
      '.a line that starts with a dot\n.\n',
      'x'.repeat(300),
      '',
    ];
    const html = awkward.map((text) => ({ text }));
    const mail = await messages.compose(
      { subject: 'Awkward — “pieces”', html: [...html, 'and the reader’s own  value '], text: awkward },
      {
        to: 'ann@example.org',
        messageId: '<x@paperboy.test>',
        subject: 'Awkward — “pieces”',
        listUnsubscribe: '<https://paperboy.test/u>',
        listHeaders: LIST_HEADERS,
      },
    );
    const raw = Buffer.concat(mail.write());
    const parsed = await simpleParser(raw);
    // SMTP carries every line end as CRLF, and mailparser gives each back as LF
    const lineFeeds = (text: string) => text.replace(/\r\n/g, '\n');
    expect(parsed.html).toBe(lineFeeds(`${awkward.join('')}and the reader’s own  value `));
    expect(parsed.text).toBe(lineFeeds(awkward.join('')));
    expect((await dkimVerify(raw, { resolver })).results[0]?.status.result).toBe('pass');
    for (const text of awkward) {
      const encoded = encodePiece(text);
      const lines = encoded.toString('latin1').split('\r\n');
      expect(
        lines.every(
          (line) =>
            line.length <= 75 && !/[ \t]$/.test(line) && !/[ \t]{2}/.test(line) && !line.includes('\t'),
        ),
      ).toBe(true);
    }
  });
});
