/**
 * The data of the evaluation (bench/eval.ts): a folder of real API days, arXiv's categories for
 * their papers, and the simulated readers, each defined by the categories they read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Edition, EditionPaper } from '../../src/digest/editions.ts';
import { type ApiItem, describeInvalidItem } from '../../src/papers/api-item.ts';
import { isArxivId, normalizeItem } from '../../src/papers/normalize.ts';
import { trendingScore } from '../../src/papers/score.ts';

/** A day of the folder: the daily edition Paperboy would build from that day's API answer. */
export interface Day {
  day: string;
  edition: Edition;
  /** Whether most of its papers came with the API's AI summary and keywords. */
  hasAiFields: boolean;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * Every `YYYY-MM-DD.json` of the folder, oldest first, as daily editions: valid items only, by
 * trending score, and without a paper already featured on an earlier day (as editions.ts does).
 */
export function loadDays(dirs: string | string[], options: { withoutAiFields?: boolean } = {}): Day[] {
  const files = [dirs]
    .flat()
    .flatMap((dir) =>
      readdirSync(dir)
        .map((name) => DAY_FILE.exec(name)?.[1])
        .filter((day): day is string => day !== undefined)
        .map((day) => ({ day, file: path.join(dir, `${day}.json`) })),
    )
    .sort((a, b) => a.day.localeCompare(b.day));
  if (files.length === 0)
    throw new Error(`--days ${[dirs].flat().join(' and ')}: no YYYY-MM-DD.json file there`);
  const seen = new Set<string>();
  return files.map(({ day, file }) => {
    const items = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(items)) throw new Error(`${day}.json: expected a JSON array of API items`);
    const papers = items
      .filter((item): item is ApiItem => describeInvalidItem(item) === undefined)
      .filter((item) => isArxivId(item.paper.id.trim()))
      .map((item) => normalizeItem(item))
      .filter((paper) => !seen.has(paper.arxivId))
      .map((paper) => (options.withoutAiFields ? { ...paper, aiKeywords: [], aiSummary: null } : paper))
      .map((paper) => ({ ...paper, score: trendingScore(paper, day) }))
      .sort((a, b) => b.score - a.score || a.arxivId.localeCompare(b.arxivId))
      .map((paper, index): EditionPaper => ({ ...paper, position: index + 1 }));
    for (const paper of papers) seen.add(paper.arxivId);
    const withAi = papers.filter((paper) => paper.aiKeywords.length > 0).length;
    return {
      day,
      edition: { id: undefined, frequency: 'daily', day, status: 'ready', emptyReason: null, papers },
      hasAiFields: withAi * 2 > papers.length,
    };
  });
}

/**
 * arXiv's categories by paper id. Accepts the fixture's shape (`{ papers: { id: { categories } } }`)
 * or a plain `{ id: [categories] }`.
 */
export function loadCategories(file: string): Map<string, string[]> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const entries = (json.papers ?? json) as Record<string, unknown>;
  const categories = new Map<string, string[]>();
  for (const [id, entry] of Object.entries(entries)) {
    const list = Array.isArray(entry) ? entry : (entry as { categories?: unknown })?.categories;
    if (Array.isArray(list) && list.every((c) => typeof c === 'string')) categories.set(id, list);
  }
  if (categories.size === 0) throw new Error(`--categories ${file}: no paper with categories in it`);
  return categories;
}

/**
 * The simulated readers: each reads papers of some arXiv categories (a trailing `*` is a whole
 * archive, as `q-bio.*`). Chosen among the categories the fixture days have papers of; a reader
 * with too few of their papers in a folder is left out of that folder's run (bench/eval.ts).
 */
export const READERS: Array<{ name: string; categories: string[] }> = [
  { name: 'vision', categories: ['cs.CV'] },
  { name: 'language', categories: ['cs.CL'] },
  { name: 'machine learning', categories: ['cs.LG', 'stat.ML'] },
  { name: 'artificial intelligence', categories: ['cs.AI'] },
  { name: 'robotics', categories: ['cs.RO'] },
  { name: 'software engineering', categories: ['cs.SE', 'cs.PL'] },
  { name: 'retrieval and recommendation', categories: ['cs.IR'] },
  { name: 'multi-agent systems', categories: ['cs.MA'] },
  { name: 'graphics and multimedia', categories: ['cs.GR', 'cs.MM'] },
  { name: 'security', categories: ['cs.CR'] },
  { name: 'speech and audio', categories: ['cs.SD', 'eess.AS'] },
  { name: 'people and society', categories: ['cs.HC', 'cs.CY'] },
  { name: 'sciences', categories: ['q-bio.*', 'physics.*', 'cond-mat.*', 'q-fin.*', 'astro-ph.*'] },
  { name: 'vision and robotics', categories: ['cs.CV', 'cs.RO'] },
];

export function readsCategory(reader: { categories: string[] }, category: string): boolean {
  return reader.categories.some((wanted) =>
    wanted.endsWith('*') ? category.startsWith(wanted.slice(0, -1)) : category === wanted,
  );
}

/**
 * A near-duplicate of a paper, as another version of it would come: the same authors, the abstract
 * with two words added, the title reworded (its first word moved to the end, "On" in front), under
 * another id and at the given trending score.
 */
export function nearDuplicate(paper: EditionPaper, arxivId: string, score: number): EditionPaper {
  const [first, ...rest] = paper.title.split(' ');
  return {
    ...paper,
    arxivId,
    title: `On ${rest.join(' ')} ${first}`,
    abstract: `${paper.abstract} Code released.`,
    score,
    hfUrl: `https://huggingface.co/papers/${arxivId}`,
    arxivUrl: `https://arxiv.org/abs/${arxivId}`,
    pdfUrl: `https://arxiv.org/pdf/${arxivId}`,
  };
}

/** The edition with a paper added at its place in the trending order. */
export function withPaper(edition: Edition, paper: EditionPaper): Edition {
  const papers = [...edition.papers, paper]
    .sort((a, b) => b.score - a.score)
    .map((p, index) => ({ ...p, position: index + 1 }));
  return { ...edition, papers };
}
