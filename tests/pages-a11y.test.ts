import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, launchChromium } from './helpers/browser.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Every kind of page Paperboy serves, in a real browser (Debian's Chromium), checked by axe-core
// in light and dark mode at 390 px: no serious or critical findings, nothing scrolling sideways, and
// a screenshot of each in test-artifacts/.

const bed = useTestBed({ fixtures: true });
let browser: Browser;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  await bed.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(bed.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
});

async function pages(): Promise<string[]> {
  await bed.app.services.subscribers.subscribe({ email: 'a11y@example.org' });
  await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
  const subscriber = (await bed.app.services.subscribers.findByEmail('a11y@example.org'))!;
  // the page of a confirmation link: what its button will confirm
  const { rows } = await bed.pool.query<{ id: string }>('SELECT id FROM subscription_requests');
  const { requestTokenSubject } = await import('../src/subscribers/requests.ts');
  const confirmUrl = bed.app.services.links.url(
    'confirm',
    requestTokenSubject(rows[0]!, subscriber),
    new Date(Date.now() + 86_400_000),
  );
  const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
  const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
  // a reader who taught their digest something: the feedback page, and the list on their preferences
  const paper = edition.papers[0]!;
  const { recordSignal, followAuthor } = await import('../src/subscribers/store.ts');
  await recordSignal(bed.pool, {
    subscriberId: subscriber.id,
    arxivId: edition.papers[1]!.arxivId,
    signal: 1,
  });
  await followAuthor(bed.pool, { subscriberId: subscriber.id, author: paper.authors[0]!.name });
  return [
    '/',
    '/digests',
    '/digests/2026-03-11',
    '/digests/2026-02-30',
    '/no/such/page',
    '/subscribed',
    '/confirm/not-a-token',
    local(confirmUrl),
    local(bed.app.services.links.url('unsubscribe', subscriber)),
    local(bed.app.services.links.url('preferences', subscriber)),
    local(bed.app.services.links.feedbackUrl('less', subscriber, paper.arxivId)),
  ];
}

it('has no serious or critical accessibility findings on any page, in light and dark mode, and fits 390 px', {
  timeout: 120_000,
}, async () => {
  const findings: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    // bypassCSP: the pages allow no inline script, and axe is injected as one
    const page = await browser.newPage({
      colorScheme,
      bypassCSP: true,
      viewport: { width: 390, height: 844 },
    });
    for (const path of await pages()) {
      await page.goto(`${base}${path}`);
      const name =
        path
          .slice(1)
          .replace(/[^a-z0-9]+/gi, '-')
          .slice(0, 40) || 'home';
      for (const finding of await checkPage(page, `page-390-${colorScheme}-${name}`))
        findings.push(`${colorScheme} ${path}: ${finding}`);
    }
    await page.close();
  }
  expect(findings).toEqual([]);
});
