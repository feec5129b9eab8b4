import { createServer } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ smtp: true, fixtures: true, truncate: ['subscribers', 'deliveries'] });

async function scrape() {
  const response = await bed.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  const families = parsePrometheusTextFormat(response.body);
  const family = (name: string) => families.find((f) => f.name === name);
  const value = (name: string, labels: Record<string, string> = {}) =>
    Number(
      family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        ?.value ?? 0,
    );
  return { families, family, value, text: response.body };
}

describe('/metrics', () => {
  it('parses as Prometheus text and moves when mail is sent, refused, and requests are answered', async () => {
    const before = await scrape();
    expect(before.family('paperboy_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(before.family('paperboy_due_queue_depth')?.type).toBe('GAUGE');
    expect(before.family('paperboy_ingest_runs')?.metrics.length).toBeGreaterThan(0);
    expect(before.value('paperboy_ingest_runs', { outcome: 'stored' })).toBe(4);

    await bed.pool.query(
      `INSERT INTO subscribers (email, status, confirmed_at)
       SELECT 'metric' || g || '@example.org', 'active', now() FROM generate_series(1, 3) g`,
    );
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const { fanOut } = await import('../src/delivery/fan-out.ts');
    await fanOut(bed.pool, edition, { now: true });
    const due = await scrape();
    expect(due.value('paperboy_due_queue_depth')).toBe(3);
    expect(due.value('paperboy_due_queue_oldest_seconds')).toBeGreaterThanOrEqual(0);

    bed.smtp.behaviours.push({ code: 451, message: '4.3.0 try again later' });
    await bed.app.services.sender.drain();
    const after = await scrape();
    expect(after.value('paperboy_sender_outcomes_total', { kind: 'digest', outcome: 'sent' })).toBe(
      before.value('paperboy_sender_outcomes_total', { kind: 'digest', outcome: 'sent' }) + 2,
    );
    expect(after.value('paperboy_smtp_errors_total', { code: '451' })).toBe(1);
    expect(after.value('paperboy_deliveries', { kind: 'digest', status: 'sent' })).toBe(2);

    await bed.app.inject({ method: 'GET', url: '/digests/2026-02-30' });
    // the parser folds a histogram's labelled series into one, so its series are read from the text
    const { text } = await scrape();
    const count = (route: string, status: string) =>
      Number(
        new RegExp(
          `^paperboy_http_request_duration_seconds_count\\{method="GET",route="${route}",status="${status}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    expect(count('/metrics', '200')).toBe(3);
    expect(count('/digests/:day', '404')).toBe(1);
  });
});

describe('/readyz', () => {
  it('reports the database, pending migrations and the relay as last checked', async () => {
    const ready = await bed.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      database: 'ok',
      pendingMigrations: [],
      relay: { state: 'ok' },
    });
    expect(Date.parse(ready.json().relay.checkedAt)).toBeGreaterThan(Date.now() - 120_000);

    const { rows } = await bed.pool.query('DELETE FROM schema_migrations WHERE version = 10 RETURNING *');
    try {
      const behind = await bed.app.inject({ method: 'GET', url: '/readyz' });
      expect(behind.statusCode).toBe(503);
      expect(behind.json()).toMatchObject({
        status: 'migrations pending',
        pendingMigrations: ['0010_operator_console.sql'],
      });
    } finally {
      const row = rows[0];
      await bed.pool.query(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
        [row.version, row.name, row.checksum, row.applied_at],
      );
    }
  });

  it('says the relay is failing when nothing answers at SMTP_URL, and stays ready', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const app = await buildApp(
      testConfig({ DATABASE_URL: bed.database.url, SMTP_URL: `smtp://127.0.0.1:${closedPort}` }),
    );
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().relay).toMatchObject({ state: 'failing' });
      expect(ready.json().relay.detail).toMatch(/ECONNREFUSED/);
    } finally {
      await app.close();
    }
  });
});
