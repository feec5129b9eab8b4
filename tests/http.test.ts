import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ env: { RATE_LIMIT_MAX: '3', ADMIN_TOKEN: 'admin-token-for-tests' } });

beforeAll(async () => {
  bed.app.get('/test-only/failure', async () => {
    throw new Error('connection string postgres://secret@db');
  });
  await bed.app.ready();
});

// as production asks (README "Secrets in production"): 32+ characters, 100+ bits
const PRODUCTION_ADMIN_TOKEN = 'c3f1a9e07b5d2486f0e9c1b7a3d5e8f2406b9c1d';

describe('the HTTP edge', () => {
  it('keeps /metrics and /docs for operators in production, and serves them with ADMIN_TOKEN', async () => {
    const production = await buildApp(
      testConfig({
        DATABASE_URL: bed.database.url,
        NODE_ENV: 'production',
        MAIL_FROM: 'digest@paperboy-news.net',
        ADMIN_TOKEN: PRODUCTION_ADMIN_TOKEN,
      }),
    );
    try {
      for (const url of ['/metrics', '/docs/json']) {
        expect((await production.inject({ method: 'GET', url })).statusCode, url).toBe(401);
        const allowed = await production.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${PRODUCTION_ADMIN_TOKEN}` },
        });
        expect(allowed.statusCode, url).toBe(200);
      }
      // /readyz: its state for anyone (load balancers), the relay's host and errors for operators
      const open = await production.inject({ method: 'GET', url: '/readyz' });
      expect(Object.keys(open.json())).toEqual(['status']);
      const detailed = await production.inject({
        method: 'GET',
        url: '/readyz',
        headers: { authorization: `Bearer ${PRODUCTION_ADMIN_TOKEN}` },
      });
      expect(detailed.json()).toMatchObject({
        status: open.json().status,
        relay: { state: expect.any(String) },
      });
    } finally {
      await production.close();
    }
  });

  it('rate-limits public POSTs with 429 and Retry-After', async () => {
    const post = () =>
      bed.app.inject({
        method: 'POST',
        url: '/api/subscriptions',
        payload: { email: 'limit@example.org' },
        remoteAddress: '10.0.0.9',
      });
    for (let i = 0; i < 3; i++) expect((await post()).statusCode).toBe(202);
    const limited = await post();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // another client is not affected
    const other = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'x@example.org' },
      remoteAddress: '10.0.0.10',
    });
    expect(other.statusCode).toBe(202);
  });

  it('hides the details of a 5xx and gives a request id instead', async () => {
    const response = await bed.app.inject({ method: 'GET', url: '/test-only/failure' });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.message).not.toContain('secret');
    expect(body.requestId).toMatch(/^req-/);
    expect(response.headers['x-request-id']).toBe(body.requestId);
  });

  it('refuses unknown content types and oversized bodies as 4xx', async () => {
    const xml = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
      remoteAddress: '10.0.0.20',
    });
    expect(xml.statusCode).toBe(415);
    const huge = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'a@example.org', keywords: 'x'.repeat(100_000) },
      remoteAddress: '10.0.0.21',
    });
    expect(huge.statusCode).toBe(413);
  });

  it('sets security headers', async () => {
    const response = await bed.app.inject({ method: 'GET', url: '/' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await bed.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await bed.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      status: 'ready',
      database: 'ok',
      pendingMigrations: [],
      relay: { state: 'outbox' },
    });
    const spec = (await bed.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.paths['/api/subscriptions'].post.responses).toHaveProperty('202');
    expect(spec.paths['/api/subscriptions'].post.responses).toHaveProperty('400');
    expect(spec.paths['/unsubscribe/{token}'].post).toBeDefined();
    expect(spec.paths['/api/admin/suppressions/{email}'].delete.responses).toHaveProperty('204');
    // the browsable docs and their static files (served by @fastify/static on this Node)
    const page = await bed.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
    const script = await bed.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
  });

  it('shows the outbox and refuses paths outside it', async () => {
    expect((await bed.app.inject({ method: 'GET', url: '/outbox' })).statusCode).toBe(200);
    expect((await bed.app.inject({ method: 'GET', url: '/outbox/..%2Fsecret.key' })).statusCode).toBe(400);
    expect((await bed.app.inject({ method: 'GET', url: '/outbox/missing.eml' })).statusCode).toBe(404);
  });

  it('serves Prometheus metrics of the ledger and subscribers', async () => {
    await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'metrics@example.org' },
      remoteAddress: '10.0.0.30',
    });
    const response = await bed.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/^paperboy_deliveries\{kind="confirmation",status="pending"\} [1-9]\d*$/m);
    expect(response.body).toMatch(/^paperboy_subscribers\{status="pending"\} [1-9]\d*$/m);
    expect(response.body).toContain('paperboy_process_cpu_seconds_total');
  });

  it('guards admin routes with the bearer token', async () => {
    expect((await bed.app.inject({ method: 'GET', url: '/api/admin/deliveries' })).statusCode).toBe(401);
    const wrong = await bed.app.inject({
      method: 'GET',
      url: '/api/admin/deliveries',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await bed.app.inject({
      method: 'GET',
      url: '/api/admin/deliveries',
      headers: { authorization: 'Bearer admin-token-for-tests' },
    });
    expect(right.statusCode).toBe(200);
    expect(right.json()).toEqual(
      expect.arrayContaining([{ kind: 'confirmation', status: 'pending', count: expect.any(Number) }]),
    );
  });
});
