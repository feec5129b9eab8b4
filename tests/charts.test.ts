import { expect, it } from 'vitest';
import { dailyColumns, stackedBars } from '../src/admin/charts.ts';
import { siteView } from '../src/http/branding.ts';
import { renderPage } from '../src/templates.ts';
import { testConfig } from './helpers/app.ts';

// The dashboard's 90-day chart with what a new list has: one or two days of events. As lines it
// was a flat stroke and a spike, equal series hidden under each other; as columns each day with
// events stands on its own and every series in it shows.

const days = Array.from({ length: 90 }, (_, i) =>
  new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
);
const only = (day: number, count: number) => days.map((_, i) => (i === day ? count : 0));

it('draws one column per day with events, each series a segment of its own, equal ones too', () => {
  const chart = dailyColumns(days, [
    { name: 'subscribed', values: only(89, 3) },
    { name: 'confirmed', values: only(89, 3) },
    { name: 'unsubscribed', values: only(40, 1) },
    { name: 'suppressed', values: only(0, 0) },
  ]);
  expect(chart.columns).toHaveLength(2);
  const last = chart.columns[1];
  expect(last?.segments.map((s) => s.label)).toEqual([
    `${days[89]}: 3 subscribed`,
    `${days[89]}: 3 confirmed`,
  ]);
  // stacked, not drawn over each other: the second starts where the first ends
  const [first, second] = last?.segments ?? [];
  expect(second && first && second.y + second.height).toBeCloseTo(first?.y ?? Number.NaN);
  expect(first?.height).toBeGreaterThan(10);
  expect(chart.series.map((s) => s.total)).toEqual([3, 3, 1, 0]);
});

it('says the legend counts events, beside subscribers now, and an edition with nothing sent', () => {
  const perDay = dailyColumns(days, [{ name: 'unsubscribed', values: only(10, 5) }]);
  const html = renderPage('admin/dashboard', {
    site: siteView(testConfig({})),
    title: 'Dashboard',
    csrf: 'x',
    data: {
      subscribers: [{ status: 'unsubscribed', count: 1 }],
      sending: { lastMinute: 0, lastHour: 0, dueNow: 0, oldestDueSeconds: 0 },
      ingests: [],
    },
    perDay,
    editions: stackedBars([{ label: 'daily 2026-03-11', counts: {} }], ['sent']),
    statuses: ['sent'],
  });
  expect(html).toMatch(/<rect class="c0"[^>]*><title>2026-01-11: 5 unsubscribed<\/title><\/rect>/);
  expect(html).toContain('Events in 90 days');
  expect(html).toMatch(/<strong>1<\/strong>unsubscribed now/);
  expect(html).toContain('no deliveries');
});
