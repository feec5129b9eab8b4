/**
 * An offline evaluation of the learned ranking (`npm run eval`; results in EVALUATION.md).
 *
 * Simulated readers, each interested in one topic. A topic is a set of arXiv ids chosen by hand
 * from the fixture days (below), apart from anything the model reads: the model never sees the
 * label, only the reader's answers. On the first days ("training") each reader gets their digest
 * as Paperboy would rank it for them and answers as a person might: "more like this" on every
 * paper of their topic they are shown, "less like this" on the first two off-topic papers they are
 * shown. On the later days ("test") each ranking is scored against the topic: precision@5 and
 * nDCG@10, averaged over readers and days, for three rankings side by side:
 *   trending  the edition's order (what everyone gets with no keywords);
 *   keywords  a reader who typed one keyword for their topic, matching papers first;
 *   learned   the reader's answers of the training days (no keywords);
 *   both      keywords and answers.
 *
 *   npm run eval [-- --shown 10]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Edition, EditionPaper } from '../src/digest/editions.ts';
import { RELEVANCE_WEIGHT, selectPapers } from '../src/digest/personalise.ts';
import type { ApiItem } from '../src/papers/api-item.ts';
import { normalizeItem } from '../src/papers/normalize.ts';
import { trendingScore } from '../src/papers/score.ts';
import type { ReaderFeedback, SignalledPaper } from '../src/subscribers/feedback.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';

const { values } = parseArgs({ options: { shown: { type: 'string', default: '10' } } });
const SHOWN = Number(values.shown);

const FIXTURES = path.resolve(import.meta.dirname, '../tests/fixtures/hf-daily-papers');
const TRAINING_DAYS = ['2026-03-09', '2026-03-10'];
const TEST_DAYS = ['2026-03-11', '2026-03-12'];

/** Topics by hand, from the titles and abstracts of the fixture days; the model never sees them. */
const TOPICS: Array<{ name: string; keyword: string; papers: string[] }> = [
  {
    name: 'efficient fine-tuning and low-rank methods',
    keyword: 'low-rank',
    papers: [
      '2503.10333',
      '2503.10370',
      '2503.10592',
      '2503.10777',
      '2503.11036',
      '2503.11073',
      '2503.10259',
    ],
  },
  {
    name: 'weather, climate and the environment',
    keyword: 'climate',
    papers: ['2503.10222', '2503.10481', '2503.10555', '2503.10888', '2503.11221'],
  },
  {
    name: 'statistics: regression, survival, causal effects',
    keyword: 'regression',
    papers: [
      '2503.10037',
      '2503.10074',
      '2503.10111',
      '2503.10444',
      '2503.10518',
      '2503.10666',
      '2503.10629',
      '2503.11332',
    ],
  },
  {
    name: 'language models: scaling and evaluation',
    keyword: 'language model',
    papers: [
      '2503.10185',
      '2503.10740',
      '2503.10962',
      '2503.11110',
      '2503.11369',
      '2503.10925',
      '2503.11295',
    ],
  },
];

function editionOf(day: string): Edition {
  const items = JSON.parse(readFileSync(path.join(FIXTURES, `${day}.json`), 'utf8')) as ApiItem[];
  const papers = items
    .map((item) => normalizeItem(item))
    .map((paper) => ({ ...paper, score: trendingScore(paper, day) }))
    .sort((a, b) => b.score - a.score)
    .map((paper, index): EditionPaper => ({ ...paper, position: index + 1 }));
  return { id: undefined, frequency: 'daily', day, status: 'ready', emptyReason: null, papers };
}

function precisionAt(k: number, ranked: string[], relevant: Set<string>): number {
  const top = ranked.slice(0, k);
  return top.filter((id) => relevant.has(id)).length / Math.min(k, top.length || 1);
}

function ndcgAt(k: number, ranked: string[], relevant: Set<string>): number {
  const gain = (ids: string[]) =>
    ids.slice(0, k).reduce((sum, id, index) => sum + (relevant.has(id) ? 1 / Math.log2(index + 2) : 0), 0);
  const ideal = gain([...ranked].sort((a, b) => Number(relevant.has(b)) - Number(relevant.has(a))));
  return ideal === 0 ? 0 : gain(ranked) / ideal;
}

type Ranking = 'trending' | 'keywords' | 'learned' | 'both';
const RANKINGS: Ranking[] = ['trending', 'keywords', 'learned', 'both'];

function rank(
  edition: Edition,
  topic: (typeof TOPICS)[number],
  ranking: Ranking,
  feedback: ReaderFeedback,
  weight = RELEVANCE_WEIGHT,
) {
  const keywords = ranking === 'keywords' || ranking === 'both' ? [topic.keyword] : [];
  const learned = ranking === 'learned' || ranking === 'both' ? feedback : undefined;
  return selectPapers(edition, { ...DEFAULT_PREFERENCES, keywords, maxPapers: 50 }, learned, weight).map(
    (s) => s.paper.arxivId,
  );
}

/** The learned ranking's scores at other weights of relevance against trending, same answers. */
const SWEEP = [0.5, 1, 2, 4, 8];

function main() {
  const training = TRAINING_DAYS.map(editionOf);
  const test = TEST_DAYS.map(editionOf);
  const rows: Array<{ topic: string; ranking: Ranking; p5: number; ndcg10: number; relevantPerDay: number }> =
    [];
  const sweep = new Map<number, { p5: number; ndcg10: number }>();
  for (const topic of TOPICS) {
    const relevant = new Set(topic.papers);
    // the training days: the reader answers what the learned ranking shows them, day by day
    const feedback: ReaderFeedback = { signals: [], follows: [] };
    for (const day of training) {
      const shown = rank(day, topic, 'learned', feedback).slice(0, SHOWN);
      let dislikes = 0;
      for (const id of shown) {
        const paper = day.papers.find((p) => p.arxivId === id) as EditionPaper;
        const signal = relevant.has(id) ? 1 : dislikes < 2 ? -1 : undefined;
        if (signal === -1) dislikes++;
        if (signal === undefined) continue;
        const answer: SignalledPaper = { ...paper, arxivId: id, signal, at: new Date() };
        feedback.signals.push(answer);
      }
    }
    for (const weight of SWEEP) {
      const sum = sweep.get(weight) ?? { p5: 0, ndcg10: 0 };
      for (const day of test) {
        const ranked = rank(day, topic, 'learned', feedback, weight);
        sum.p5 += precisionAt(5, ranked, relevant) / test.length / TOPICS.length;
        sum.ndcg10 += ndcgAt(10, ranked, relevant) / test.length / TOPICS.length;
      }
      sweep.set(weight, sum);
    }
    for (const ranking of RANKINGS) {
      let p5 = 0;
      let ndcg10 = 0;
      for (const day of test) {
        const ranked = rank(day, topic, ranking, feedback);
        p5 += precisionAt(5, ranked, relevant);
        ndcg10 += ndcgAt(10, ranked, relevant);
      }
      const relevantPerDay = test.reduce(
        (n, day) => n + day.papers.filter((p) => relevant.has(p.arxivId)).length,
        0,
      );
      rows.push({
        topic: topic.name,
        ranking,
        p5: p5 / test.length,
        ndcg10: ndcg10 / test.length,
        relevantPerDay: relevantPerDay / test.length,
      });
    }
  }
  const f = (n: number) => n.toFixed(2);
  console.log(
    `Training days ${TRAINING_DAYS.join(', ')}; test days ${TEST_DAYS.join(', ')}; ${SHOWN} papers shown a day.\n`,
  );
  console.log('| topic | on-topic papers per test day | ranking | precision@5 | nDCG@10 |');
  console.log('|---|---:|---|---:|---:|');
  for (const row of rows)
    console.log(
      `| ${row.topic} | ${row.relevantPerDay.toFixed(1)} | ${row.ranking} | ${f(row.p5)} | ${f(row.ndcg10)} |`,
    );
  console.log('\n| ranking | mean precision@5 | mean nDCG@10 |');
  console.log('|---|---:|---:|');
  for (const ranking of RANKINGS) {
    const mine = rows.filter((row) => row.ranking === ranking);
    const mean = (pick: (row: (typeof rows)[number]) => number) =>
      mine.reduce((s, r) => s + pick(r), 0) / mine.length;
    console.log(`| ${ranking} | ${f(mean((r) => r.p5))} | ${f(mean((r) => r.ndcg10))} |`);
  }
  console.log(`\nThe learned ranking at other weights of relevance (Paperboy uses ${RELEVANCE_WEIGHT}):\n`);
  console.log('| weight | mean precision@5 | mean nDCG@10 |');
  console.log('|---:|---:|---:|');
  for (const [weight, sum] of sweep) console.log(`| ${weight} | ${f(sum.p5)} | ${f(sum.ndcg10)} |`);
}

main();
