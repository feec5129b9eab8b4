import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COMPILED_MAIL_FILE,
  type CompiledMailFile,
  compiledMailKey,
  mailTemplatesHash,
} from '../src/compiled-mail.ts';
import { editionDay } from '../src/digest/editions.ts';
import { KeywordMatcher } from '../src/digest/keywords.ts';
import { renderPersonalDigest } from '../src/digest/personal-digest.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import {
  cutFrame,
  DIGEST_FRAME_TEMPLATES,
  DigestRenderer,
  type FramePart,
  type Segment,
} from '../src/digest/render.ts';
import { CONFIRMATION_TEMPLATES, confirmationBody } from '../src/subscribers/confirmation-mail.ts';
import type { ReaderFeedback } from '../src/subscribers/feedback.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { renderMail } from '../src/templates.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { dailyDigest, largeEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ fixtures: true, truncate: ['editions'] });

const recipient = {
  email: 'ann@example.org',
  preferencesUrl: `${TEST_PUBLIC_URL}/p/x`,
  unsubscribeUrl: `${TEST_PUBLIC_URL}/u/y`,
};

async function scoresOf(day: string) {
  const { rows } = await bed.pool.query(
    'SELECT arxiv_id FROM paper_days WHERE day = $1 ORDER BY score DESC, rank',
    [day],
  );
  return rows.map((row) => row.arxiv_id);
}

describe('editions', () => {
  it('orders a daily edition by trending score and freezes it', async () => {
    const { edition, created } = await bed.app.services.editions.build('daily', '2026-03-11');
    expect(created).toBe(true);
    expect(edition.status).toBe('ready');
    expect(edition.papers.map((p) => p.arxivId)).toEqual(await scoresOf('2026-03-11'));
    const scores = edition.papers.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const again = await bed.app.services.editions.build('daily', '2026-03-11');
    expect(again.created).toBe(false);
    expect(again.edition).toEqual(edition);
  });

  it('builds an edition once when two builds race', async () => {
    const [a, b] = await Promise.all([
      bed.app.services.editions.build('daily', '2026-03-12'),
      bed.app.services.editions.build('daily', '2026-03-12'),
    ]);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect(a.edition.id).toBe(b.edition.id);
  });

  it('does not repeat a paper sent in an earlier daily edition', async () => {
    const before = await bed.app.services.editions.draft('daily', '2026-03-11');
    expect(before.papers.map((p) => p.arxivId)).toContain('2503.10370');
    await bed.app.services.editions.build('daily', '2026-03-10');
    const after = (await bed.app.services.editions.build('daily', '2026-03-11')).edition;
    expect(after.papers.map((p) => p.arxivId)).not.toContain('2503.10370');
    expect(after.papers).toHaveLength(10);
  });

  it('makes a weekly edition of the ISO week, the re-featured paper once', async () => {
    expect(editionDay('weekly', '2026-03-12')).toBe('2026-03-09');
    expect(editionDay('weekly', '2026-03-15')).toBe('2026-03-09');
    const { edition } = await bed.app.services.editions.build('weekly', '2026-03-11');
    expect(edition.day).toBe('2026-03-09');
    const ids = edition.papers.map((p) => p.arxivId);
    expect(ids.filter((id) => id === '2503.10370')).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
    // the week's best paper first; the re-featured paper at its best score
    expect(ids[0]).toBe('2503.11110');
    const nola = edition.papers.find((p) => p.arxivId === '2503.10370');
    const { rows } = await bed.pool.query(
      `SELECT max(score) AS best FROM paper_days WHERE arxiv_id = '2503.10370'`,
    );
    expect(nola?.score).toBe(rows[0].best);
  });

  it('keeps an edition without papers empty, says why, and sends nothing', async () => {
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-14');
    expect(edition.status).toBe('empty');
    expect(edition.emptyReason).toMatch(
      /2026-03-14 is a Saturday: Hugging Face publishes papers on weekdays/,
    );
    const mail = await renderPersonalDigest({
      edition,
      preferences: DEFAULT_PREFERENCES,
      recipient,
      renderer: bed.app.services.renderer,
    });
    expect(mail).toBeNull();

    await bed.app.services.editions.build('daily', '2026-03-10');
    await bed.pool.query(`DELETE FROM paper_days WHERE day = '2026-03-13'`);
    await bed.pool.query(
      `INSERT INTO paper_days (day, arxiv_id, rank, upvotes, num_comments, score) VALUES ('2026-03-13', '2503.10370', 1, 1, 1, 1)`,
    );
    const repeat = (await bed.app.services.editions.build('daily', '2026-03-13')).edition;
    expect(repeat.emptyReason).toMatch(
      /All 1 papers featured on 2026-03-13 were already sent in earlier daily editions/,
    );
    await bed.pool.query(`DELETE FROM paper_days WHERE day = '2026-03-13'`);
  });
});

describe('personalisation', () => {
  it('matches whole words case-insensitively, through a stemmer', () => {
    const paper = (title: string, abstract = '', aiKeywords: string[] = []) => ({
      title,
      abstract,
      aiKeywords,
    });
    expect(new KeywordMatcher(['agent']).match(paper('Multi-Agent Systems'))).toBe('agent');
    expect(new KeywordMatcher(['Models']).match(paper('a model of x'))).toBe('Models');
    expect(
      new KeywordMatcher(['reinforcement learning']).match(paper('Reinforcement Learning-based control')),
    ).toBe('reinforcement learning');
    expect(new KeywordMatcher(['lora']).match(paper('ALLoRA: adaptive rates'))).toBeUndefined();
    expect(new KeywordMatcher(['art']).match(paper('a party'))).toBeUndefined();
    expect(new KeywordMatcher(['bandit']).match(paper('x', 'y', ['Contextual Bandits']))).toBe('bandit');
    expect(
      new KeywordMatcher(['contextual learning']).match(paper('x', 'y', ['Contextual', 'Learning'])),
    ).toBeUndefined();
  });

  it('puts matching papers first and marks them (boost), up to maxPapers', async () => {
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const selection = selectPapers(edition, {
      keywords: ['LoRA', 'regression'],
      keywordMode: 'boost',
      maxPapers: 5,
    });
    expect(selection).toHaveLength(5);
    const matched = selection.filter((s) => s.matched);
    expect(matched.length).toBeGreaterThan(0);
    expect(selection.slice(0, matched.length).every((s) => s.matched)).toBe(true);
    expect(selection.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(matched.find((s) => s.paper.arxivId === '2503.10777')?.matched).toBe('LoRA');
  });

  it('sends only matching papers in only mode, and nothing when none match', async () => {
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const only = selectPapers(edition, { keywords: ['LoRA'], keywordMode: 'only', maxPapers: 10 });
    expect(only.length).toBeGreaterThan(0);
    expect(only.every((s) => s.matched === 'LoRA')).toBe(true);
    const none = await renderPersonalDigest({
      edition,
      preferences: { keywords: ['quantum chromodynamics'], keywordMode: 'only', maxPapers: 10 },
      recipient,
      renderer: bed.app.services.renderer,
    });
    expect(none).toBeNull();
  });
});

describe('rendering', () => {
  it('names a weekly edition by its dates and says how papers are ranked', async () => {
    const { edition } = await bed.app.services.editions.build('weekly', '2026-03-11');
    const mail = await renderPersonalDigest({
      edition,
      preferences: DEFAULT_PREFERENCES,
      recipient,
      renderer: bed.app.services.renderer,
    });
    expect(mail?.subject).toContain('week of 9 Mar 2026');
    expect(mail?.subject).not.toMatch(/W\d\d/);
    expect(mail?.text).toContain('Trending papers of the week of 9 March 2026');
    expect(mail?.text).toContain('Ranked by trending score');
  });

  it('says which of the reader’s keywords matched today, or that none did', async () => {
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const digest = (keywords: string[]) =>
      renderPersonalDigest({
        edition,
        preferences: { ...DEFAULT_PREFERENCES, keywords },
        recipient,
        renderer: bed.app.services.renderer,
      });
    const some = await digest(['LoRA', 'mixture of experts']);
    expect(some?.text).toMatch(/Your keywords matched today: (LoRA|mixture of experts) \(\d\)/);
    // the words that matched are highlighted where they stand, whole words only
    expect(some?.html).toMatch(/<mark class="pb-hl">LoRA<\/mark>/);
    expect(some?.html).toMatch(/<mark class="pb-hl">Mixture of Experts<\/mark>/i);
    expect(some?.html).not.toMatch(/AL<mark/);
    const none = await digest(['zzzqqq']);
    expect(none?.text).toContain('None of your keywords matched today');
    const without = await digest([]);
    expect(without?.text).not.toContain('keywords matched');
    expect(without?.text).not.toContain('None of your keywords');
  });

  it('opens with a contents list, shows each paper’s figure with alt text, and gives its links room to tap', async () => {
    const { edition, mail } = await dailyDigest(bed.app, '2026-03-11', recipient);
    const shown = edition.papers.slice(0, 10);
    for (const paper of shown.filter((p) => p.thumbnail))
      expect(mail.html).toContain(`src="${paper.thumbnail}" alt="Figure from the paper" width="240"`);
    expect(mail.html.match(/href="#paper-\d+"/g)).toHaveLength(shown.length);
    expect(mail.html.match(/id="paper-\d+"/g)).toHaveLength(shown.length);
    expect(mail.html).toMatch(/\.pb-links a, \.pb-fb a \{ display: inline-block; padding: 12px/);
  });

  it('links no third-party stylesheet and hides no preview text', async () => {
    const { mail } = await dailyDigest(bed.app, '2026-03-12', recipient);
    const confirmation = await confirmationBody({
      email: 'a@example.org',
      confirmUrl: 'https://paperboy.test/confirm/x',
      preferencesChange: false,
      summary: 'a daily digest',
      footer: 'footer',
    });
    for (const html of [mail.html, confirmation.html]) {
      expect(html).not.toMatch(/<link[^>]+stylesheet/i);
      expect(html).not.toMatch(/@import|fonts\.googleapis|fonts\.gstatic/);
      // MJML's hidden preview: white 1px text, which spam filters read as hidden text
      expect(html).not.toMatch(/font-size:\s*1px/);
    }
  });

  it('compiles each mail template once, with slots, into the mail MJML writes for its values', async () => {
    // the confirmation mail: its compiled template with the values set is what MJML makes of them
    for (const preferencesChange of [false, true]) {
      const values = {
        email: "o'brien&<co>@example.org",
        confirmUrl: 'https://paperboy.test/confirm/a.b?c=1&d="2"',
        preferencesChange,
        summary: 'a daily digest at 07:00 (Europe/Berlin) of up to 10 papers, with 2 keywords',
        footer: 'You get this mail because this address was entered at https://paperboy.test.',
        siteName: 'Vision & "Lab" Papers',
        siteFooter: 'Vision Lab, 1 Research Way <12345>',
      };
      expect(await confirmationBody(values)).toEqual(await renderMail('confirmation', values));
    }
    // a digest frame of any number of papers, cut from the one compiled with two, is MJML's own
    const marker = (slot: string, rank?: number) => `PAPERBOY_SLOT_${slot}_${rank ? `${rank}_` : ''}`;
    const joined = (segments: Segment[]) =>
      segments.map((s) => ('text' in s ? s.text : marker(s.slot, s.slot === 'CARD' ? s.rank : 0))).join('');
    const withCards = (part: FramePart, count: number) =>
      joined(part.before) +
      Array.from(
        { length: count },
        (_, i) => `${i ? joined(part.between) : ''}${marker('CARD', i + 1)}`,
      ).join('') +
      joined(part.after);
    for (const template of DIGEST_FRAME_TEMPLATES) {
      const frame = cutFrame(await renderMail(template.name, template.data));
      for (const count of [1, 3, 7]) {
        const cards = Array.from({ length: count }, (_, i) => marker('CARD', i + 1));
        const own = await renderMail(template.name, { ...template.data, cards });
        expect(withCards(frame.html, count)).toBe(own.html);
        expect(withCards(frame.text, count)).toBe(own.text);
      }
    }
  });

  it('compiles every mail template at install, from the templates as they are', async () => {
    // npm ci ran the prepare script; after editing a template, `npm run build` compiles it again
    const file: CompiledMailFile = JSON.parse(readFileSync(COMPILED_MAIL_FILE, 'utf8'));
    expect(file.templates, 'templates/mail changed since the install: npm run build').toBe(
      mailTemplatesHash(),
    );
    for (const template of [...DIGEST_FRAME_TEMPLATES, ...CONFIRMATION_TEMPLATES])
      expect(file.compiled[compiledMailKey(template)]).toEqual(
        await renderMail(template.name, template.data),
      );
  });

  it('shows HTML-special characters in titles literally, never as markup', async () => {
    const { mail } = await dailyDigest(bed.app, '2026-03-12', recipient);
    expect(mail.html).toContain('Résumé &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; — Ünïcode');
    expect(mail.html).not.toContain('<b>bold</b>');
    expect(mail.text).toContain('Résumé <b>bold</b> & "quoted"');
  });

  it('links each paper and carries the recipient’s own links, in HTML and text', async () => {
    const { edition, mail } = await dailyDigest(bed.app, '2026-03-11', recipient);
    for (const paper of edition.papers.slice(0, 10)) {
      expect(mail.html).toContain(`href="https://huggingface.co/papers/${paper.arxivId}"`);
      expect(mail.html).toContain(`href="https://arxiv.org/abs/${paper.arxivId}"`);
      expect(mail.html).toContain(`href="https://arxiv.org/pdf/${paper.arxivId}"`);
      expect(mail.text).toContain(paper.title.slice(0, 30));
    }
    expect(mail.html).toContain(`href="${recipient.preferencesUrl}"`);
    expect(mail.html).toContain(`href="${recipient.unsubscribeUrl}"`);
    expect(mail.html).toContain(`href="${TEST_PUBLIC_URL}/digests/2026-03-11"`);
    expect(mail.html).toContain('ann@example.org is on the list of');
    expect(mail.html).toContain('lang="en"');
    expect(mail.text).toContain(recipient.unsubscribeUrl);
    expect(mail.text).toContain(recipient.preferencesUrl);
    expect(mail.text).not.toMatch(/PAPERBOY_SLOT/);
    expect(mail.html).not.toMatch(/PAPERBOY_SLOT/);
    expect(mail.subject).toMatch(/ · and 9 more trending papers · 11 Mar 2026$/);
    expect(mail.subject.startsWith(edition.papers[0]!.title.slice(0, 30))).toBe(true);
    expect(edition.papers).toHaveLength(11); // maxPapers 10 of them
  });

  it('escapes a recipient address with HTML-special characters', async () => {
    const { mail } = await dailyDigest(bed.app, '2026-03-11', {
      ...recipient,
      email: "o'hara&co@example.org",
    });
    expect(mail.html).toContain('o&#39;hara&amp;co@example.org');
  });

  it('keeps a 50-paper digest under 102 KB of HTML, where Gmail clips', async () => {
    const { edition } = await bed.app.services.editions.build('weekly', '2026-03-11');
    const big = largeEdition(edition.papers, 50);
    // a real reader's links, "more / less like this" under each of the 50 papers included
    const reader = {
      id: '0b9c6f3e-5d2a-4c1b-9e8f-7a6b5c4d3e2f',
      linkNonce: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      confirmNonce: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
    };
    const mail = (await renderPersonalDigest({
      edition: big,
      preferences: { ...DEFAULT_PREFERENCES, maxPapers: 50 },
      recipient: {
        email: 'a.long.address.of.a.reader@example.org',
        ...bed.app.services.links.forDigest(reader),
      },
      renderer: new DigestRenderer(TEST_PUBLIC_URL, 10),
    }))!;
    expect(mail.html).toContain('/less-like-this/0b9c6f3e-5d2a-4c1b-9e8f-7a6b5c4d3e2f.');
    expect(mail.html.match(/<h2/g)).toHaveLength(50);
    expect(Buffer.byteLength(mail.html)).toBeLessThan(102 * 1024);
  });

  it('makes one frame per edition and keyword line however many readers, selections and sizes, and keeps the cache bounded', async () => {
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const renderer = new DigestRenderer(TEST_PUBLIC_URL, 2);
    const profiles = [DEFAULT_PREFERENCES, { ...DEFAULT_PREFERENCES, keywords: ['LoRA'] }];
    const renderFor = (index: number, preferences: typeof DEFAULT_PREFERENCES, feedback?: ReaderFeedback) =>
      renderPersonalDigest({
        edition,
        preferences,
        feedback,
        renderer,
        recipient: { ...recipient, email: `r${index}@example.org` },
      });
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => renderFor(i, profiles[i % 2]!)));
    // one frame without a keyword line, one with
    expect(renderer.stats.frames).toBe(2);
    expect(new Set(first.map((m) => m?.html)).size).toBe(60); // each with its own address
    // readers each with a ranking of their own: no compile more
    const learned = await Promise.all(
      edition.papers.slice(0, 8).map((liked, i) =>
        renderFor(100 + i, DEFAULT_PREFERENCES, {
          signals: [{ ...liked, signal: 1, at: new Date() }],
          follows: [],
        }),
      ),
    );
    expect(renderer.stats.frames).toBe(2);
    expect(new Set(learned.map((m) => m?.html.replace(/r\d+@example\.org/g, ''))).size).toBeGreaterThan(1);
    // digests of other sizes use the same frames
    await renderFor(0, { ...DEFAULT_PREFERENCES, maxPapers: 5 });
    await renderFor(0, { ...profiles[1]!, maxPapers: 3 });
    expect(renderer.stats.frames).toBe(2);
    // another edition's frames evict the least recently used
    const weekly = (await bed.app.services.editions.build('weekly', '2026-03-11')).edition;
    await renderPersonalDigest({ edition: weekly, preferences: DEFAULT_PREFERENCES, renderer, recipient });
    expect(renderer.stats.frames).toBe(3);
    await renderFor(0, profiles[1]!);
    expect(renderer.stats.frames).toBe(3);
    await renderFor(0, DEFAULT_PREFERENCES);
    expect(renderer.stats.frames).toBe(4);
  });
});

describe('archive and feed', () => {
  it('links each edition’s page to the one before and after it', async () => {
    for (const day of ['2026-03-10', '2026-03-11', '2026-03-12'])
      await bed.app.services.editions.build('daily', day);
    const middle = await bed.app.inject({ method: 'GET', url: '/digests/2026-03-11' });
    expect(middle.body).toContain('href="/digests/2026-03-10" rel="prev"');
    expect(middle.body).toContain('href="/digests/2026-03-12" rel="next"');
    const last = await bed.app.inject({ method: 'GET', url: '/digests/2026-03-12' });
    expect(last.body).not.toContain('rel="next"');
  });

  it('shows on an edition’s page the papers the default mail shows', async () => {
    const { edition, mail } = await dailyDigest(bed.app, '2026-03-11', recipient);
    expect(edition.papers.length).toBeGreaterThan(10);
    const page = await bed.app.inject({ method: 'GET', url: '/digests/2026-03-11' });
    expect(page.body.match(/<h2>/g)).toHaveLength(mail.html.match(/id="paper-\d+"/g)?.length ?? 0);
  });

  it('lists editions and shows one without personal links', async () => {
    await bed.app.services.editions.build('daily', '2026-03-12');
    await bed.app.services.editions.build('weekly', '2026-03-12');
    await bed.app.services.editions.build('daily', '2026-03-14'); // empty: not listed
    const list = await bed.app.inject({ method: 'GET', url: '/digests' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('href="/digests/2026-03-12"');
    expect(list.body).toContain('href="/digests/2026-03-09?frequency=weekly"');
    expect(list.body).not.toContain('2026-03-14');

    const page = await bed.app.inject({ method: 'GET', url: '/digests/2026-03-12' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Résumé &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(page.body).not.toMatch(/\/(unsubscribe|preferences)\//);
    expect(
      (await bed.app.inject({ method: 'GET', url: '/digests/2026-03-09?frequency=weekly' })).statusCode,
    ).toBe(200);
    expect((await bed.app.inject({ method: 'GET', url: '/digests/2026-03-14' })).statusCode).toBe(404);
    expect((await bed.app.inject({ method: 'GET', url: '/digests/2026-01-01' })).statusCode).toBe(404);
  });

  it('serves an Atom feed of editions', async () => {
    await bed.app.services.editions.build('daily', '2026-03-11');
    const feed = await bed.app.inject({ method: 'GET', url: '/feed.xml' });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(feed.body).toContain(`<id>${TEST_PUBLIC_URL}/digests/2026-03-11</id>`);
    expect(feed.body).toContain('MUSCLE: A Model Update Strategy for Compatible LLM Evolution');
    expect(feed.body).not.toMatch(/\/(unsubscribe|preferences)\//);
  });
});

describe('paperboy digest', () => {
  const env = () => ({
    DATABASE_URL: bed.database.url,
    SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: TEST_PUBLIC_URL,
  });

  it('builds an edition and says why an empty one is empty', async () => {
    const built = await runCli(['digest', 'build', '--date', '2026-03-11'], env());
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^built: Trending papers of Wednesday, 11 March 2026: 11 papers/);
    expect(built.stdout).toContain('MUSCLE');
    const empty = await runCli(['digest', 'build', '--date', '2026-03-15', '--frequency', 'daily'], env());
    expect(empty.stdout).toMatch(
      /empty, nothing will be sent\. 2026-03-15 is a Sunday: Hugging Face publishes/,
    );
  });

  it('previews a subscriber’s digest with their links', async () => {
    await bed.app.services.subscribers.subscribe({
      email: 'preview@example.org',
      keywords: ['LoRA'],
      keywordMode: 'only',
    });
    const out = `${bed.app.services.config.dataDir}/preview.html`;
    const preview = await runCli(
      ['digest', 'preview', '--date', '2026-03-11', '--email', 'preview@example.org', '--out', out],
      env(),
    );
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/match your keywords · 11 Mar 2026\nwrote .*preview\.html/);
    const missing = await runCli(
      ['digest', 'preview', '--date', '2026-03-11', '--email', 'nobody@example.org'],
      env(),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--email: no subscriber with the address nobody@example.org');
  });
});
