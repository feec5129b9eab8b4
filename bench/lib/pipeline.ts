/** Paperboy's whole sending pipeline, as the delivery benchmarks run it. */
import { performance } from 'node:perf_hooks';
import { fanOut } from '../../src/delivery/fan-out.ts';
import { startProgress } from '../../src/progress.ts';
import type { Services } from '../../src/services.ts';

/** Active readers over 50 keyword profiles, every one in boost mode so everyone gets mail. */
export async function addSubscribers(services: Services, count: number, offset: number) {
  const profiles = [
    'LoRA',
    'diffusion',
    'regression',
    'language',
    'neural',
    'learning',
    'model',
    'network',
    'data',
    'scaling',
  ];
  await services.db.pool.query(
    `INSERT INTO subscribers (email, status, confirmed_at, keywords, max_papers)
     SELECT 'reader' || g || '@example.org', 'active', now(),
            ARRAY[($2::text[])[1 + g % 10], ($2::text[])[1 + (g / 10) % 5]], 5 + g % 3 * 5
     FROM generate_series($3 + 1, $3 + $1) g`,
    [count, profiles, offset],
  );
}

/**
 * One daily edition of `date` fanned out to every active reader and sent by these services'
 * sender (claiming, personalising, rendering, writing, sending, recording): messages per second.
 * Deliveries of an earlier run of the same edition are removed first, so an edition can be sent
 * again with other settings.
 */
export async function pipeline(
  services: Services,
  date: string,
): Promise<{ rate: number; fanOutMs: number; sent: number }> {
  const { edition } = await services.editions.build('daily', date);
  await services.db.pool.query('DELETE FROM deliveries WHERE edition_id = $1', [edition.id]);
  const started = performance.now();
  const fanned = await fanOut(services.db.pool, edition, { now: true });
  const fanOutMs = performance.now() - started;
  const progress = startProgress(`pipeline ${date}`, fanned);
  const onOutcome = () => progress.increment();
  services.sender.events.on('outcome', onOutcome);
  const counts = await services.sender.drain(edition.id);
  services.sender.events.off('outcome', onOutcome);
  progress.stop();
  return { rate: counts.sent / ((performance.now() - started) / 1000), fanOutMs, sent: counts.sent };
}
