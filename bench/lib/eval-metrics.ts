/** Ranking metrics and confidence intervals of the evaluation (bench/eval.ts). */

/** Share of relevant papers among the first k (of fewer when the list is shorter). */
export function precisionAt(k: number, ranked: string[], relevant: Set<string>): number {
  const top = ranked.slice(0, k);
  return top.length === 0 ? 0 : top.filter((id) => relevant.has(id)).length / top.length;
}

/** nDCG@k with binary gains: 1 when every relevant paper is above every other. */
export function ndcgAt(k: number, ranked: string[], relevant: Set<string>): number {
  const gain = (hits: boolean[]) =>
    hits.slice(0, k).reduce((sum, hit, index) => sum + (hit ? 1 / Math.log2(index + 2) : 0), 0);
  const hits = ranked.map((id) => relevant.has(id));
  const ideal = gain([...hits].sort((a, b) => Number(b) - Number(a)));
  return ideal === 0 ? 0 : gain(hits) / ideal;
}

export function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

export function standardDeviation(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

/** A small seeded generator (mulberry32): the intervals are the same from one run to the next. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 95 % interval of the mean by a cluster bootstrap over test days: the days are drawn with
 * replacement and each brings all its (reader, day) values. Days, not pairs, because the readers
 * of one day share its papers and their scores move together. `values` holds, per day, the values
 * of its pairs (for a difference: the paired differences).
 */
export function bootstrapInterval(valuesByDay: number[][], resamples = 2000): [number, number] {
  const days = valuesByDay.filter((values) => values.length > 0);
  if (days.length === 0) return [Number.NaN, Number.NaN];
  const random = seeded(0x5eed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let count = 0;
    for (let d = 0; d < days.length; d++) {
      const values = days[Math.floor(random() * days.length)] as number[];
      for (const value of values) sum += value;
      count += values.length;
    }
    means.push(sum / count);
  }
  means.sort((a, b) => a - b);
  return [means[Math.floor(0.025 * resamples)] as number, means[Math.floor(0.975 * resamples)] as number];
}
