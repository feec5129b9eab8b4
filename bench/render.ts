/**
 * Render cost per recipient: 100,000 subscribers spread over 50 keyword profiles, rendered
 * the way the sender does (personalise, then a cached variant filled with the recipient's
 * links), beside compiling MJML for every recipient, measured in the same run.
 *
 *   npm run bench:render [-- --subscribers 100000 --naive-sample 300]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Edition } from '../src/digest/editions.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import { DigestRenderer } from '../src/digest/render.ts';
import { readItems } from '../src/papers/ingest.ts';
import { trendingScore } from '../src/papers/score.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { DEFAULT_PREFERENCES, type Preferences } from '../src/subscribers/preferences.ts';
import { LinkTokens } from '../src/subscribers/tokens.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { reportFigures } from './lib/figures.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    profiles: { type: 'string', default: '50' },
    'naive-sample': { type: 'string', default: '300' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const PROFILES = Number(values.profiles);
const NAIVE_SAMPLE = Number(values['naive-sample']);
const PUBLIC_URL = BENCH_ENV.PUBLIC_URL;

async function weeklyEditionFromSample(): Promise<Edition> {
  const source = new FileSource(SAMPLE_DIR);
  const seen = new Set<string>();
  const papers = [];
  for (const day of await source.availableDays()) {
    for (const paper of readItems(await source.fetchDay(day), day, pino({ level: 'silent' })).papers) {
      if (seen.has(paper.arxivId)) continue;
      seen.add(paper.arxivId);
      papers.push({ ...paper, score: trendingScore(paper, day), position: 0 });
    }
  }
  papers.sort((a, b) => b.score - a.score);
  papers.forEach((paper, index) => {
    paper.position = index + 1;
  });
  return { id: 1, frequency: 'weekly', day: '2026-07-27', status: 'ready', emptyReason: null, papers };
}

/** 50 profiles: keyword pairs from the papers' own AI keywords and title words, varied sizes and modes. */
function profiles(edition: Edition): Preferences[] {
  const words = [
    ...new Set(
      edition.papers.flatMap((p) => [...p.aiKeywords, ...p.title.split(/\W+/).filter((w) => w.length > 6)]),
    ),
  ];
  return Array.from({ length: PROFILES }, (_, i) => ({
    ...DEFAULT_PREFERENCES,
    keywords:
      i === 0 ? [] : [words[(i * 7) % words.length] as string, words[(i * 13 + 5) % words.length] as string],
    keywordMode: i % 5 === 4 ? 'only' : 'boost',
    maxPapers: [5, 10, 20][i % 3] as number,
  }));
}

function subscriber(i: number) {
  const hex = i.toString(16).padStart(12, '0');
  return {
    id: `00000000-0000-4000-8000-${hex}`,
    email: `reader${i}@example.org`,
    linkNonce: 'nonce',
    confirmNonce: 'c',
  };
}

async function main() {
  const edition = await weeklyEditionFromSample();
  const profileList = profiles(edition);
  const tokens = new LinkTokens(BENCH_ENV.SECRET_KEY);
  const recipientFor = (i: number) => {
    const s = subscriber(i);
    return {
      email: s.email,
      preferencesUrl: `${PUBLIC_URL}/preferences/${tokens.create('preferences', s)}`,
      unsubscribeUrl: `${PUBLIC_URL}/unsubscribe/${tokens.create('unsubscribe', s)}`,
    };
  };
  console.log(
    `edition: ${edition.papers.length} papers; ${SUBSCRIBERS} subscribers over ${profileList.length} profiles`,
  );

  // the way Paperboy renders: compile once per variant, then fill per recipient
  const cached = new DigestRenderer(PUBLIC_URL, 500);
  let bytes = 0;
  let sent = 0;
  const started = performance.now();
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const selection = selectPapers(edition, profileList[i % profileList.length] as Preferences);
    if (selection.length === 0) continue;
    const mail = await cached.render(edition, selection, recipientFor(i));
    bytes += mail.html.length + mail.text.length;
    sent++;
    if ((i + 1) % 20_000 === 0) console.log(`  cached: ${i + 1}/${SUBSCRIBERS}`);
  }
  const cachedMs = performance.now() - started;

  // the naive way: MJML compiled for every recipient (a renderer without a usable cache)
  const naiveStarted = performance.now();
  for (let i = 0; i < NAIVE_SAMPLE; i++) {
    const selection = selectPapers(edition, profileList[i % profileList.length] as Preferences);
    if (selection.length === 0) continue;
    await new DigestRenderer(PUBLIC_URL, 1).render(edition, selection, recipientFor(i));
  }
  const naiveMs = performance.now() - naiveStarted;

  // every reader with a ranking of their own: liked and disliked papers of the edition, so no two
  // selections are alike; the digest is assembled from the frame and cards, never compiled
  const learnedRenderer = new DigestRenderer(PUBLIC_URL, 500);
  const learnedReaders = Math.min(SUBSCRIBERS, 20_000);
  const feedbackFor = (i: number) => {
    // a different few papers for each reader (the high bits of a multiplicative hash of reader and pick)
    const pick = (k: number) =>
      edition.papers[
        (Math.imul(i * 4 + k + 1, 2654435761) >>> 8) % edition.papers.length
      ] as (typeof edition.papers)[number];
    return {
      signals: [
        { ...pick(1), signal: 1 as const, at: new Date() },
        { ...pick(2), signal: 1 as const, at: new Date() },
        { ...pick(3), signal: 1 as const, at: new Date() },
        { ...pick(4), signal: -1 as const, at: new Date() },
      ],
      follows: [],
    };
  };
  const selections = Array.from({ length: learnedReaders }, (_, i) =>
    selectPapers(edition, profileList[i % profileList.length] as Preferences, feedbackFor(i)),
  );
  const distinct = new Set(selections.map((selection) => selection.map((s) => s.paper.arxivId).join())).size;
  // twice: with the reader's "more / less like this" tokens made as the sender makes them (two
  // HMACs per paper), and with their links ready, to tell the assembly from the signing
  const learnedRun = async (withTokens: boolean) => {
    const started = performance.now();
    for (let i = 0; i < learnedReaders; i++) {
      const selection = selections[i] as (typeof selections)[number];
      if (selection.length === 0) continue;
      const s = subscriber(i);
      const ready = `${PUBLIC_URL}/more-like-this/${s.id}.0.${'x'.repeat(32)}/2503.10370`;
      await learnedRenderer.render(
        edition,
        selection,
        {
          ...recipientFor(i),
          feedbackUrl: withTokens
            ? (purpose, arxivId) =>
                `${PUBLIC_URL}/${purpose}-like-this/${tokens.create(purpose, s, undefined, arxivId)}/${arxivId}`
            : () => ready,
        },
        { learned: true },
      );
    }
    return performance.now() - started;
  };
  await learnedRun(false); // warm the cards
  const learnedMs = await learnedRun(true);
  const assemblyMs = await learnedRun(false);
  const cachedPer = cachedMs / SUBSCRIBERS;
  const learnedPer = learnedMs / learnedReaders;
  const assemblyPer = assemblyMs / learnedReaders;
  const naivePer = naiveMs / NAIVE_SAMPLE;
  console.log(
    `\nframes made: ${cached.stats.frames} (cache hits ${cached.stats.hits}); mails rendered: ${sent}; average ${(bytes / sent / 1024).toFixed(1)} KB`,
  );
  console.log(
    `cached  : ${(cachedMs / 1000).toFixed(2)} s for ${SUBSCRIBERS} → ${(cachedPer * 1000).toFixed(1)} µs per recipient (${Math.round(1000 / cachedPer)} per second)`,
  );
  console.log(
    `per-recipient MJML: ${(naiveMs / 1000).toFixed(2)} s for ${NAIVE_SAMPLE} → ${(naivePer * 1000).toFixed(1)} µs per recipient (${Math.round(1000 / naivePer)} per second)`,
  );
  console.log(`ratio   : per-recipient MJML costs ${(naivePer / cachedPer).toFixed(0)}× the cached render`);
  console.log(
    `learned : ${learnedReaders} readers, ${distinct} distinct selections, ${learnedRenderer.stats.frames} frames made`,
  );
  console.log(
    `  assembled, links ready : ${(assemblyPer * 1000).toFixed(1)} µs per recipient, ${((assemblyPer / naivePer) * 100).toFixed(2)} % of one MJML compile (target ≤ 1 %)`,
  );
  console.log(
    `  with their tokens made : ${(learnedPer * 1000).toFixed(1)} µs per recipient, ${((learnedPer / naivePer) * 100).toFixed(2)} % of one MJML compile`,
  );
  console.log(`memory  : ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB RSS`);
  const mjml = { name: 'one MJML compile per recipient', value: naivePer * 1000 };
  reportFigures([
    {
      scenario: 'render',
      name: "a reader's own selection assembled, links ready",
      value: assemblyPer * 1000,
      unit: 'µs',
      baseline: mjml,
      target: { bound: 0.01, better: 'lower', ratio: true },
    },
    {
      scenario: 'render',
      name: 'the same, with their link tokens made',
      value: learnedPer * 1000,
      unit: 'µs',
      baseline: mjml,
    },
    {
      scenario: 'render',
      name: 'shared selections (cached frames)',
      value: cachedPer * 1000,
      unit: 'µs',
      baseline: mjml,
    },
  ]);
}

await main();
