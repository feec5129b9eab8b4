/**
 * An offline evaluation of the learned ranking on real days (`npm run eval`; results in
 * EVALUATION.md).
 *
 *   npm run eval [-- --days DIR] [--categories FILE] [--json] [--validation] [--quick]
 *
 * The days are real answers of the Hugging Face API (`YYYY-MM-DD.json`, by default the fixture
 * folder tests/fixtures/hf-real), each made into the daily edition Paperboy would build. The
 * readers are simulated, each defined by the arXiv categories they read (bench/lib/eval-days.ts): a
 * label the model never sees. On the first days ("answer days") each reader gets their digest as
 * Paperboy ranks it for them and answers from the mail as a reader would: "more like this" on up
 * to 3 papers of their categories they are shown, "less like this" on up to 2 others they are
 * shown. On the later days ("test days") each ranking is scored against the reader's categories:
 *   trending  the edition's order (what everyone gets);
 *   keywords  the best single keyword the reader could type, chosen on the answer days only;
 *   learned   the reader's answers, no keyword;
 *   both      the keyword and the answers.
 * Only papers with known categories are scored (a ranking is cut to them); a (reader, day) pair
 * with no paper of the reader's categories is left out, since no ranking can do anything there.
 *
 * `--validation` runs the same evaluation inside the answer days only (answers on their first
 * 60 %, scores on the rest): how the model and its default were chosen without looking at the
 * test days. `--quick` leaves out the sweeps of the dial and of the model's settings.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eng } from 'stopword';
import type { Edition, EditionPaper } from '../src/digest/editions.ts';
import {
  LEARNING,
  type LearningSettings,
  type SelectedPaper,
  selectPapers,
} from '../src/digest/personalise.ts';
import type { ReaderFeedback } from '../src/subscribers/feedback.ts';
import { DEFAULT_PERSONALISATION, DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import {
  type Day,
  loadCategories,
  loadDays,
  nearDuplicate,
  READERS,
  readsCategory,
  withPaper,
} from './lib/eval-days.ts';
import { bootstrapInterval, mean, ndcgAt, precisionAt, standardDeviation } from './lib/eval-metrics.ts';

/** The 51 real days: 47 test fixtures and the 4 of the bundled sample, each stored once. */
const FIXTURE_DAYS = [
  path.resolve(import.meta.dirname, '../tests/fixtures/hf-real'),
  path.resolve(import.meta.dirname, '../src/papers/sample'),
];
/** The share of a folder's days (the first ones) on which readers answer. */
const ANSWER_SHARE = 0.4;
/** Inside the answer days, for --validation: the share answered on, the rest scored. */
const VALIDATION_SHARE = 0.6;
/** Papers a reader sees in a mail (Paperboy's default), and answers on. */
const SHOWN = DEFAULT_PREFERENCES.maxPapers;
const MORE_PER_DAY = 3;
const LESS_PER_DAY = 2;
/** A reader needs this many of their papers on the answer days and test days with one to be scored. */
const MIN_RELEVANT_ANSWER_PAPERS = 3;
const MIN_TEST_DAYS_WITH_RELEVANT = 3;

const RANKINGS = ['trending', 'keywords', 'learned', 'both'] as const;
type Ranking = (typeof RANKINGS)[number];

interface Reader {
  name: string;
  categories: string[];
  /** True when a paper is of the reader's categories, undefined when its categories are unknown. */
  reads(arxivId: string): boolean | undefined;
}

interface Taste {
  keywords: string[];
  feedback?: ReaderFeedback;
  /** The model as Paperboy runs it unless the evaluation varies it. */
  model?: Model;
}

interface Model {
  personalisation: number;
  settings: LearningSettings;
}

const PAPERBOY: Model = { personalisation: DEFAULT_PERSONALISATION, settings: LEARNING };

function ranked(edition: Edition, taste: Taste): EditionPaper[] {
  return selection(edition, taste).map((selected) => selected.paper);
}

function selection(edition: Edition, taste: Taste): SelectedPaper[] {
  const model = taste.model ?? PAPERBOY;
  return selectPapers(
    edition,
    {
      ...DEFAULT_PREFERENCES,
      keywords: taste.keywords,
      maxPapers: edition.papers.length,
      personalisation: model.personalisation,
    },
    taste.feedback,
    model.settings,
  );
}

/**
 * The reader's answers over the answer days, each day on the digest ranked with what they had
 * answered before: "more" on up to MORE_PER_DAY papers of theirs they are shown, "less" on up to
 * LESS_PER_DAY others, from the top of the mail down.
 */
function answer(
  reader: Reader,
  days: Day[],
  keywords: string[],
  mode: 'both ways' | 'only less',
  model: Model = PAPERBOY,
): ReaderFeedback {
  const feedback: ReaderFeedback = { signals: [], follows: [] };
  for (const { edition } of days) {
    const shown = ranked(edition, { keywords, feedback, model }).slice(0, SHOWN);
    let more = 0;
    let less = 0;
    for (const paper of shown) {
      const reads = reader.reads(paper.arxivId);
      if (reads === undefined) continue;
      const signal =
        reads && mode === 'both ways' && more < MORE_PER_DAY ? 1 : !reads && less < LESS_PER_DAY ? -1 : 0;
      if (signal === 0) continue;
      if (signal === 1) more++;
      else less++;
      feedback.signals.push({ ...paper, signal, at: new Date(`${edition.day}T08:00:00Z`) });
    }
  }
  return feedback;
}

/** The reader's papers of a day among those with known categories; the scored list keeps only those. */
function scoredList(reader: Reader, papers: EditionPaper[]) {
  const labelled = papers.filter((paper) => reader.reads(paper.arxivId) !== undefined).map((p) => p.arxivId);
  return { labelled, relevant: new Set(labelled.filter((id) => reader.reads(id))) };
}

interface PairScore {
  day: string;
  precisionAt5: number;
  ndcgAt10: number;
}

function score(reader: Reader, days: Day[], taste: Taste): PairScore[] {
  const scores: PairScore[] = [];
  for (const { day, edition } of days) {
    const { labelled, relevant } = scoredList(reader, ranked(edition, taste));
    if (relevant.size === 0) continue;
    scores.push({
      day,
      precisionAt5: precisionAt(5, labelled, relevant),
      ndcgAt10: ndcgAt(10, labelled, relevant),
    });
  }
  return scores;
}

const TITLE_WORD = /[\p{L}][\p{L}\p{N}-]{2,}/gu;
const STOP = new Set(eng);

/**
 * The best single word the reader could type as a keyword: among the words of the titles of their
 * papers on the answer days (in at least two of them), the one whose keyword ranking scores best
 * on those same days. Chosen without the test days.
 */
function bestKeyword(reader: Reader, answerDays: Day[]): string {
  const counts = new Map<string, number>();
  for (const { edition } of answerDays)
    for (const paper of edition.papers)
      if (reader.reads(paper.arxivId))
        for (const word of new Set(paper.title.toLowerCase().match(TITLE_WORD) ?? []))
          if (!STOP.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  let best = { keyword: '', ndcg: -1 };
  for (const [word, count] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (count < 2) continue;
    const ndcg = mean(score(reader, answerDays, { keywords: [word] }).map((s) => s.ndcgAt10));
    if (ndcg > best.ndcg) best = { keyword: word, ndcg };
  }
  return best.keyword;
}

interface ReaderResult {
  name: string;
  keyword: string;
  answers: { more: number; less: number };
  relevantPerTestDay: number;
  scores: Record<Ranking | 'only less', PairScore[]>;
  /** The answers of the learned ranking's reader, and of the reader with a keyword too. */
  learned: ReaderFeedback;
  both: ReaderFeedback;
}

function evaluateReader(reader: Reader, answerDays: Day[], testDays: Day[], keyword: string): ReaderResult {
  const learned = answer(reader, answerDays, [], 'both ways');
  const both = answer(reader, answerDays, [keyword], 'both ways');
  const onlyLess = answer(reader, answerDays, [], 'only less');
  const tastes: Record<Ranking | 'only less', Taste> = {
    trending: { keywords: [] },
    keywords: { keywords: [keyword] },
    learned: { keywords: [], feedback: learned },
    both: { keywords: [keyword], feedback: both },
    'only less': { keywords: [], feedback: onlyLess },
  };
  const scores = Object.fromEntries(
    Object.entries(tastes).map(([name, taste]) => [name, score(reader, testDays, taste)]),
  ) as ReaderResult['scores'];
  const relevant = testDays.map((d) => scoredList(reader, d.edition.papers).relevant.size);
  return {
    name: reader.name,
    keyword,
    answers: {
      more: learned.signals.filter((s) => s.signal === 1).length,
      less: learned.signals.filter((s) => s.signal === -1).length,
    },
    relevantPerTestDay: mean(relevant),
    scores,
    learned,
    both,
  };
}

function readersOf(categories: Map<string, string[]>, answerDays: Day[], testDays: Day[]): Reader[] {
  return READERS.map((definition) => ({
    ...definition,
    reads: (id: string) => {
      const list = categories.get(id);
      return list ? list.some((category) => readsCategory(definition, category)) : undefined;
    },
  })).filter((reader) => {
    const answerPapers = answerDays.flatMap((d) => d.edition.papers).filter((p) => reader.reads(p.arxivId));
    const testDaysWithOne = testDays.filter((d) => d.edition.papers.some((p) => reader.reads(p.arxivId)));
    return (
      answerPapers.length >= MIN_RELEVANT_ANSWER_PAPERS &&
      testDaysWithOne.length >= MIN_TEST_DAYS_WITH_RELEVANT
    );
  });
}

function byDay(scores: PairScore[], pick: (s: PairScore) => number): number[][] {
  const days = new Map<string, number[]>();
  for (const s of scores) days.set(s.day, [...(days.get(s.day) ?? []), pick(s)]);
  return [...days.values()];
}

/** Paired differences (a − b) of two rankings over the same (reader, day) pairs, grouped by day. */
function differencesByDay(results: ReaderResult[], a: Ranking, b: Ranking, pick: (s: PairScore) => number) {
  const days = new Map<string, number[]>();
  for (const result of results)
    result.scores[a].forEach((s, i) => {
      const other = result.scores[b][i] as PairScore;
      days.set(s.day, [...(days.get(s.day) ?? []), pick(s) - pick(other)]);
    });
  return [...days.values()];
}

const f = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(2));
const interval = ([low, high]: [number, number]) => `[${f(low)}, ${f(high)}]`;

function main() {
  const { values } = parseArgs({
    options: {
      days: { type: 'string' },
      categories: { type: 'string' },
      json: { type: 'boolean', default: false },
      validation: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
    },
  });
  const dirs = values.days ? [path.resolve(values.days)] : FIXTURE_DAYS;
  const dir = dirs.join(' and ');
  const categoriesFile = values.categories ?? path.join(dirs[0] as string, 'arxiv-categories.json');
  if (!existsSync(categoriesFile))
    throw new Error(
      `--categories: ${categoriesFile} not found (give --categories FILE, or put arxiv-categories.json in the --days folder)`,
    );
  const categories = loadCategories(categoriesFile);
  const days = loadDays(dirs);
  const split = Math.max(1, Math.round(days.length * ANSWER_SHARE));
  let answerDays = days.slice(0, split);
  let testDays = days.slice(split);
  if (values.validation) {
    const inner = Math.max(1, Math.round(answerDays.length * VALIDATION_SHARE));
    testDays = answerDays.slice(inner);
    answerDays = answerDays.slice(0, inner);
  }
  if (testDays.length === 0)
    throw new Error(`--days ${dir}: ${days.length} day(s), too few to keep any for testing`);
  const readers = readersOf(categories, answerDays, testDays);
  if (readers.length === 0) throw new Error(`--days ${dir}: no reader has enough papers of their categories`);
  const results: ReaderResult[] = [];
  const keywords = new Map<Reader, string>();
  for (const [index, reader] of readers.entries()) {
    if (!values.json) process.stderr.write(`reader ${index + 1}/${readers.length}: ${reader.name}\n`);
    keywords.set(reader, bestKeyword(reader, answerDays));
    results.push(evaluateReader(reader, answerDays, testDays, keywords.get(reader) as string));
  }
  const all = (ranking: Ranking | 'only less') => results.flatMap((r) => r.scores[ranking]);
  if (values.json) {
    const rankings = Object.fromEntries(
      RANKINGS.map((ranking) => [
        ranking,
        {
          precisionAt5: mean(all(ranking).map((s) => s.precisionAt5)),
          ndcgAt10: mean(all(ranking).map((s) => s.ndcgAt10)),
        },
      ]),
    );
    console.log(
      JSON.stringify({ days: days.length, readers: readers.length, testDays: testDays.length, rankings }),
    );
    return;
  }
  const dayList = (list: Day[]) => `${list.length} (${list[0]?.day} to ${list.at(-1)?.day})`;
  console.log(
    `Answer days ${dayList(answerDays)}; test days ${dayList(testDays)}; ${results.length} readers; ${all('trending').length} (reader, test day) pairs scored.\n`,
  );
  console.log('| ranking | precision@5 | 95 % CI | nDCG@10 | 95 % CI | sd over pairs |');
  console.log('|---|---:|---|---:|---|---:|');
  for (const ranking of [...RANKINGS, 'only less'] as const) {
    const scores = all(ranking);
    const p5 = scores.map((s) => s.precisionAt5);
    const ndcg = scores.map((s) => s.ndcgAt10);
    console.log(
      `| ${ranking} | ${f(mean(p5))} | ${interval(bootstrapInterval(byDay(scores, (s) => s.precisionAt5)))} | ${f(mean(ndcg))} | ${interval(bootstrapInterval(byDay(scores, (s) => s.ndcgAt10)))} | ${f(standardDeviation(ndcg))} |`,
    );
  }
  console.log('\nPaired differences of nDCG@10 (mean over the same pairs, 95 % CI by days):\n');
  console.log('| difference | nDCG@10 | 95 % CI | precision@5 | 95 % CI |');
  console.log('|---|---:|---|---:|---|');
  const pairs: Array<[Ranking, Ranking]> = [
    ['learned', 'trending'],
    ['learned', 'keywords'],
    ['both', 'keywords'],
    ['both', 'learned'],
  ];
  for (const [a, b] of pairs) {
    const ndcg = differencesByDay(results, a, b, (s) => s.ndcgAt10);
    const p5 = differencesByDay(results, a, b, (s) => s.precisionAt5);
    console.log(
      `| ${a} − ${b} | ${f(mean(ndcg.flat()))} | ${interval(bootstrapInterval(ndcg))} | ${f(mean(p5.flat()))} | ${interval(bootstrapInterval(p5))} |`,
    );
  }
  console.log('\nPer reader (nDCG@10, mean over their test days):\n');
  console.log(
    '| reader | keyword | answers (more/less) | their papers per test day | days | trending | keywords | learned | both | only less |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const m = (ranking: Ranking | 'only less') => f(mean(r.scores[ranking].map((s) => s.ndcgAt10)));
    console.log(
      `| ${r.name} | ${r.keyword} | ${r.answers.more}/${r.answers.less} | ${r.relevantPerTestDay.toFixed(1)} | ${r.scores.trending.length} | ${m('trending')} | ${m('keywords')} | ${m('learned')} | ${m('both')} | ${m('only less')} |`,
    );
  }
  const readerMeans = (ranking: Ranking) =>
    results.map((r) => mean(r.scores[ranking].map((s) => s.ndcgAt10)));
  const wins = (a: Ranking, b: Ranking) =>
    readerMeans(a).filter((v, i) => v >= (readerMeans(b)[i] as number)).length;
  console.log(
    `\nReaders for whom learned ≥ keywords: ${wins('learned', 'keywords')} of ${results.length}; both ≥ keywords: ${wins('both', 'keywords')}; learned ≥ trending: ${wins('learned', 'trending')}.`,
  );
  console.log('A reader who answers nothing gets the trending ranking: their scores are the trending row.');
  printAiFieldsCase(results, readers, keywords, dirs, answerDays.length, testDays);
  printNearDuplicates(results, testDays);
  printWhyLines(results, testDays);
  if (!values.quick) printSweep(readers, keywords, answerDays, testDays);
}

/**
 * The weeks without the API's AI summary and keywords as a case of their own: the test days with
 * and without them, the whole run with them taken off every day, and how far a reader's ranking of
 * a day moves when they vanish (the share of its top 10 that stays).
 */
function printAiFieldsCase(
  results: ReaderResult[],
  readers: Reader[],
  keywords: Map<Reader, string>,
  dirs: string[],
  answerCount: number,
  testDays: Day[],
) {
  const withAi = new Set(testDays.filter((d) => d.hasAiFields).map((d) => d.day));
  const stripped = loadDays(dirs, { withoutAiFields: true });
  const strippedAnswer = stripped.slice(0, answerCount);
  const strippedTest = stripped.filter((d) => testDays.some((t) => t.day === d.day));
  const strippedResults = readers.map((reader) =>
    evaluateReader(reader, strippedAnswer, strippedTest, keywords.get(reader) as string),
  );
  console.log(
    `\nWithout the AI summary and keywords (${withAi.size} test days have them, ${testDays.length - withAi.size} do not); nDCG@10:\n`,
  );
  console.log('| ranking | test days with them | test days without | every day stripped of them |');
  console.log('|---|---:|---:|---:|');
  for (const ranking of RANKINGS) {
    const pairs = results.flatMap((r) => r.scores[ranking]);
    const on = pairs.filter((s) => withAi.has(s.day)).map((s) => s.ndcgAt10);
    const off = pairs.filter((s) => !withAi.has(s.day)).map((s) => s.ndcgAt10);
    const none = strippedResults.flatMap((r) => r.scores[ranking]).map((s) => s.ndcgAt10);
    console.log(`| ${ranking} | ${f(mean(on))} | ${f(mean(off))} | ${f(mean(none))} |`);
  }
  const overlaps: Record<'learned' | 'both', number[]> = { learned: [], both: [] };
  results.forEach((result, i) => {
    const keyword = [keywords.get(readers[i] as Reader) as string];
    for (const day of testDays.filter((d) => d.hasAiFields)) {
      const bare = strippedTest.find((d) => d.day === day.day) as Day;
      for (const ranking of ['learned', 'both'] as const) {
        const taste = { keywords: ranking === 'both' ? keyword : [], feedback: result[ranking] };
        const top = new Set(
          ranked(day.edition, taste)
            .slice(0, 10)
            .map((p) => p.arxivId),
        );
        const kept = ranked(bare.edition, taste)
          .slice(0, 10)
          .filter((p) => top.has(p.arxivId)).length;
        overlaps[ranking].push(kept / Math.min(10, top.size));
      }
    }
  });
  console.log(
    `\nOf a reader's top 10 on a day with the AI fields, the share still in it when they vanish: learned ${f(mean(overlaps.learned))}, both ${f(mean(overlaps.both))}.`,
  );
}

/**
 * Near-duplicates: for some answers of each reader (their last two "more" and two "less"), a
 * near-duplicate of the answered paper is put in the middle of a test day's trending order. Each
 * paper's move is its place with all the reader's answers against its place without that one
 * answer. The near-duplicate should move furthest: up for "more", down for "less".
 */
function printNearDuplicates(results: ReaderResult[], testDays: Day[]) {
  let cases = 0;
  let furthest = 0;
  let rightWay = 0;
  let serial = 0;
  for (const result of results) {
    const signals = result.learned.signals;
    const picked = [
      ...signals.filter((s) => s.signal === 1).slice(-2),
      ...signals.filter((s) => s.signal === -1).slice(-2),
    ];
    for (const answered of picked) {
      for (const day of testDays.slice(0, 3)) {
        const middle = day.edition.papers[Math.floor(day.edition.papers.length / 2)];
        if (!middle) continue;
        const id = `2699.${String(++serial).padStart(5, '0')}`;
        const edition = withPaper(
          day.edition,
          nearDuplicate(answered as unknown as EditionPaper, id, middle.score + 1e-6),
        );
        const without = { signals: signals.filter((s) => s !== answered), follows: [] };
        const placesWithout = placesOf(ranked(edition, { keywords: [], feedback: without }));
        const placesWith = placesOf(ranked(edition, { keywords: [], feedback: result.learned }));
        // how many places each paper rose (negative: fell) because of this answer
        const moves = [...placesWith].map(([paper, place]) => ({
          paper,
          rose: (placesWithout.get(paper) as number) - place,
        }));
        const mine = moves.find((m) => m.paper === id)?.rose ?? 0;
        const others = moves.filter((m) => m.paper !== id).map((m) => m.rose * answered.signal);
        cases++;
        if (mine * answered.signal > 0) rightWay++;
        if (mine * answered.signal > 0 && others.every((move) => move <= mine * answered.signal)) furthest++;
      }
    }
  }
  console.log(
    `\nNear-duplicates: in ${cases} cases (an answer, its near-duplicate on a test day), the near-duplicate moved the answer's way in ${rightWay} and furthest of all papers in ${furthest}.`,
  );
}

function placesOf(papers: EditionPaper[]): Map<string, number> {
  return new Map(papers.map((paper, index) => [paper.arxivId, index + 1]));
}

/**
 * Why lines: on every test day, each paper of a reader's top 10 whose card says "like <title>" or
 * "less like <title>" is ranked again without the answer it names. The stated reason is the one
 * that moved it when the paper then falls ("like") or rises ("less like").
 */
function printWhyLines(results: ReaderResult[], testDays: Day[]) {
  let stated = 0;
  let moved = 0;
  let trendingCards = 0;
  let movedButTrending = 0;
  for (const result of results) {
    const feedback = result.learned;
    for (const { edition } of testDays) {
      const cards = selection(edition, { keywords: [], feedback }).slice(0, SHOWN);
      const trendingPlaces = placesOf(edition.papers);
      for (const card of cards) {
        const { reason } = card;
        if (reason.kind === 'trending') {
          trendingCards++;
          // a card saying "trending" that rose more than 3 places above its trending place
          if ((trendingPlaces.get(card.paper.arxivId) as number) - card.rank > 3) movedButTrending++;
          continue;
        }
        if (reason.kind !== 'like' && reason.kind !== 'less') continue;
        stated++;
        const without = {
          signals: feedback.signals.filter((s) => s.title !== reason.title),
          follows: [],
        };
        const place = placesOf(ranked(edition, { keywords: [], feedback: without })).get(
          card.paper.arxivId,
        ) as number;
        if (reason.kind === 'like' ? place > card.rank : place < card.rank) moved++;
      }
    }
  }
  console.log(
    `\nWhy lines: ${stated} cards in readers' top 10 on the test days name an answer; for ${moved} of them that answer is what moved the paper (without it the paper falls for "like", rises for "less like"). ${trendingCards} cards say "trending"; ${movedButTrending} of those rose more than 3 places through the reader's answers without naming one.`,
  );
}

/** nDCG@10 of learned and both for a model, over every reader's scored pairs of the test days. */
function scoreModel(
  readers: Reader[],
  keywords: Map<Reader, string>,
  answerDays: Day[],
  testDays: Day[],
  model: Model,
) {
  const learned: PairScore[] = [];
  const both: PairScore[] = [];
  for (const reader of readers) {
    const keyword = [keywords.get(reader) as string];
    const learnedAnswers = answer(reader, answerDays, [], 'both ways', model);
    const bothAnswers = answer(reader, answerDays, keyword, 'both ways', model);
    learned.push(...score(reader, testDays, { keywords: [], feedback: learnedAnswers, model }));
    both.push(...score(reader, testDays, { keywords: keyword, feedback: bothAnswers, model }));
  }
  return { learned: mean(learned.map((s) => s.ndcgAt10)), both: mean(both.map((s) => s.ndcgAt10)) };
}

/** The dial from trending (0) to taste (100), and the model's share of the profile, side by side. */
function printSweep(readers: Reader[], keywords: Map<Reader, string>, answerDays: Day[], testDays: Day[]) {
  console.log(`\nAlong the dial (Paperboy's default ${DEFAULT_PERSONALISATION}); nDCG@10:\n`);
  console.log('| dial | learned | both |');
  console.log('|---:|---:|---:|');
  for (const personalisation of [0, 25, 50, 75, 90, 100]) {
    process.stderr.write(`dial ${personalisation}\n`);
    const m = scoreModel(readers, keywords, answerDays, testDays, { personalisation, settings: LEARNING });
    console.log(`| ${personalisation} | ${f(m.learned)} | ${f(m.both)} |`);
  }
  console.log(
    `\nThe share of the Rocchio profile against the nearest answers (Paperboy's ${LEARNING.profileShare}), at the default dial; nDCG@10:\n`,
  );
  console.log('| profile share | learned | both |');
  console.log('|---:|---:|---:|');
  for (const profileShare of [0, 0.25, 0.5, 0.75, 1]) {
    process.stderr.write(`profile share ${profileShare}\n`);
    const settings = { ...LEARNING, profileShare };
    const m = scoreModel(readers, keywords, answerDays, testDays, {
      personalisation: DEFAULT_PERSONALISATION,
      settings,
    });
    console.log(`| ${profileShare} | ${f(m.learned)} | ${f(m.both)} |`);
  }
}

main();
