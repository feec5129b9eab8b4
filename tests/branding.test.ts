import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { listId } from '../src/delivery/mail-for-delivery.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import { contrast, MIN_CONTRAST, siteView } from '../src/http/branding.ts';
import { confirmationMail } from '../src/subscribers/confirmation-mail.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { checkPage, launchChromium } from './helpers/browser.ts';
import { useTestBed } from './helpers/test-bed.ts';

// The operator's own name, logo, colour and footer on every page and feed, the accent readable in
// both schemes whatever colour was chosen, and buttons that say primary, secondary or danger.

const SITE = {
  SITE_NAME: 'Vision Lab Papers',
  SITE_LOGO_URL: 'https://lab.example.org/logo.png',
  // a pale yellow: unreadable as a link on white, fine on dark
  ACCENT_COLOR: '#ffe45c',
  SITE_FOOTER: 'Vision Lab, 1 Research Way, 12345 Science City',
};
const bed = useTestBed({ fixtures: true, env: SITE });
let browser: Browser;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  await bed.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(bed.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => browser?.close());

describe('the accent colour', () => {
  it('is darkened or lightened until it has 4.5:1 against each scheme’s backgrounds, and kept when it has', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    for (const accent of ['#ffe45c', '#111111', '#1d4ed8', '#ff0000', '#808080']) {
      const { light, dark, onLight, onDark } = siteView({
        ...loadConfig({ DATA_DIR: '/tmp', ACCENT_COLOR: accent }),
      }).accent;
      for (const background of ['#ffffff', '#f5f7fa'])
        expect(contrast(light, background)).toBeGreaterThanOrEqual(MIN_CONTRAST);
      for (const background of ['#1f2937', '#111827'])
        expect(contrast(dark, background)).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(light, onLight)).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrast(dark, onDark)).toBeGreaterThanOrEqual(MIN_CONTRAST);
    }
    // the default blue reads on light pages as it is
    expect(siteView(loadConfig({ DATA_DIR: '/tmp' })).accent.light).toBe('#1d4ed8');
  });

  it('refuses what is not a colour, naming the variable', () => {
    expect(() => loadConfig({ DATA_DIR: '/tmp', ACCENT_COLOR: 'yellow' })).toThrow(
      /^ACCENT_COLOR: expected a colour/,
    );
    expect(() => loadConfig({ DATA_DIR: '/tmp', SITE_LOGO_URL: 'http://lab.example.org/logo.png' })).toThrow(
      /^SITE_LOGO_URL: expected a URL starting with https:\/\//,
    );
    expect(() => loadConfig({ DATA_DIR: '/tmp', SITE_NAME: 'Lab\r\nBcc: x@example.org' })).toThrow(
      /^SITE_NAME: /,
    );
  });
});

it('names the site on pages, feeds and the From of mail, with its logo and footer', async () => {
  const home = await bed.app.inject({ method: 'GET', url: '/' });
  expect(home.body).toContain('<title>Trending papers in your inbox · Vision Lab Papers</title>');
  expect(home.body).toContain('<img src="https://lab.example.org/logo.png" alt="">Vision Lab Papers</a>');
  expect(home.body).toContain('<footer>Vision Lab, 1 Research Way, 12345 Science City</footer>');
  expect(home.body).not.toMatch(/>Paperboy</);
  const feed = await bed.app.inject({ method: 'GET', url: '/feed.xml' });
  expect(feed.body).toContain('<title>Vision Lab Papers: trending research papers</title>');
  const notFound = await bed.app.inject({
    method: 'GET',
    url: '/no/such/page',
    headers: { accept: 'text/html' },
  });
  expect(notFound.body).toContain('Vision Lab Papers home');
  expect(bed.app.services.config.mailFrom).toBe('"Vision Lab Papers" <paperboy@localhost>');
});

it('puts the name in the header of every mail and the footer line in its foot; the confirmation’s subject too', async () => {
  const { editions, renderer, subscribers, links } = bed.app.services;
  const { edition } = await editions.build('daily', '2026-03-11');
  const selection = selectPapers(edition, DEFAULT_PREFERENCES);
  const recipient = {
    email: 'brand@example.org',
    preferencesUrl: 'https://x.test/p',
    unsubscribeUrl: 'https://x.test/u',
  };
  const digest = await renderer.render(edition, selection, recipient);
  expect(digest.html).toContain('>Vision Lab Papers</div>');
  expect(digest.html).toContain('Vision Lab, 1 Research Way, 12345 Science City');
  expect(digest.text).toContain('Vision Lab, 1 Research Way, 12345 Science City');
  expect(digest.html).not.toContain('>Paperboy<');

  await subscribers.subscribe({ email: 'confirm-brand@example.org' });
  const subscriber = await subscribers.findByEmail('confirm-brand@example.org');
  const { rows } = await bed.pool.query('SELECT id FROM subscription_requests WHERE subscriber_id = $1', [
    subscriber?.id,
  ]);
  const request = await subscribers.findRequest(rows[0]?.id);
  if (!subscriber || !request) throw new Error('no subscription request');
  const { siteName: name, siteFooter: footer, publicUrl } = bed.app.services.config;
  const mail = await confirmationMail({ subscriber, request, links, publicUrl, site: { name, footer } });
  expect(mail?.subject).toBe('Confirm your Vision Lab Papers subscription');
  expect(mail?.html).toContain('Vision Lab, 1 Research Way, 12345 Science City');
});

it('reads in light and dark with a pale accent (axe), and its three kinds of buttons look different', {
  timeout: 90_000,
}, async () => {
  await bed.app.services.subscribers.subscribe({ email: 'brand@example.org' });
  await bed.pool.query(`UPDATE subscribers SET status = 'active' WHERE email = 'brand@example.org'`);
  const reader = await bed.app.services.subscribers.findByEmail('brand@example.org');
  if (!reader) throw new Error('no reader');
  const local = (url: string) => new URL(url).pathname;
  const findings: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await browser.newPage({
      colorScheme,
      bypassCSP: true,
      viewport: { width: 390, height: 844 },
    });
    for (const path of ['/', local(bed.app.services.links.url('unsubscribe', reader))]) {
      await page.goto(`${base}${path}`);
      for (const finding of await checkPage(
        page,
        `brand-390-${colorScheme}${path.slice(0, 12).replace(/\W+/g, '-')}`,
      ))
        findings.push(`${colorScheme} ${path}: ${finding}`);
    }
    // on the unsubscribe page: Unsubscribe (danger), One digest a week instead (secondary)
    const looks = await page.evaluate(() =>
      Array.from(document.querySelectorAll('main button')).map((b) => {
        const style = getComputedStyle(b);
        return `${style.backgroundColor} ${style.color}`;
      }),
    );
    expect(new Set(looks).size).toBe(looks.length);
    await page.goto(`${base}/`);
    const primary = await page.evaluate(() => {
      const style = getComputedStyle(document.querySelector('main button') as Element);
      return `${style.backgroundColor} ${style.color}`;
    });
    expect(looks).not.toContain(primary);
    await page.close();
  }
  expect(findings).toEqual([]);
});

it('names the list in the site’s name, its id a dot-atom whatever the name holds', () => {
  expect(listId('Paperboy', 'daily', 'paperboy.test')).toBe(
    'Paperboy daily digest <daily.paperboy.paperboy.test>',
  );
  expect(listId('Lab Papers', 'weekly', 'lab.example')).toBe(
    'Lab Papers weekly digest <weekly.lab-papers.lab.example>',
  );
  expect(listId('Café <Ω> "Lab"', 'monthly', 'x.example')).toBe(
    'Café Ω Lab monthly digest <monthly.cafe-lab.x.example>',
  );
  expect(listId('<>', 'daily', 'x.example')).toBe('Paperboy daily digest <daily.paperboy.x.example>');
});
