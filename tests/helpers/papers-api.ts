import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures/hf-daily-papers');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES_DIR, name), 'utf8');
}

/** How the server answers the next request, instead of serving the fixture. */
type ApiBehaviour =
  | { status: number; retryAfter?: string; body?: string }
  | { hang: true }
  /** `chunked`: sent in 1 MiB writes without a Content-Length, as a stream of unknown length. */
  | { body: string; chunked?: boolean };

export interface PapersApi {
  url: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  behaviours: ApiBehaviour[];
  /** Serve this file's contents for a date instead of `<date>.json`. */
  overrides: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A real HTTP server in the shape of `GET /api/daily_papers?date=&p=&limit=`, serving the
 * shared fixtures page by page (a page past the end is []), with scripted failures.
 */
export async function startPapersApi(): Promise<PapersApi> {
  const requests: PapersApi['requests'] = [];
  const behaviours: ApiBehaviour[] = [];
  const overrides = new Map<string, string>();
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    const url = new URL(request.url ?? '/', 'http://localhost');
    const behaviour = behaviours.shift();
    if (behaviour && 'hang' in behaviour) return; // never answers
    if (behaviour && 'status' in behaviour) {
      response.writeHead(
        behaviour.status,
        behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {},
      );
      return response.end(behaviour.body ?? 'error');
    }
    if (behaviour?.chunked) {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunks = behaviour.body.match(/[\s\S]{1,1048576}/g) ?? [];
      const writeNext = (): void => {
        const chunk = chunks.shift();
        if (chunk === undefined) return void response.end();
        // a client that stopped reading closes the socket: stop writing then
        if (response.write(chunk)) setImmediate(writeNext);
        else response.once('drain', writeNext);
      };
      response.on('close', () => {
        chunks.length = 0;
      });
      return writeNext();
    }
    if (behaviour) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(behaviour.body);
    }
    const date = url.searchParams.get('date') ?? '';
    if (url.pathname !== '/api/daily_papers' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      response.writeHead(400);
      return response.end('{"error":"bad date"}');
    }
    let text: string;
    try {
      text = fixture(overrides.get(date) ?? `${date}.json`);
    } catch {
      text = '[]';
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      return response.end(text); // a malformed fixture is served as it is
    }
    const page = Number(url.searchParams.get('p') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    response.end(JSON.stringify((items as unknown[]).slice(page * limit, (page + 1) * limit)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    behaviours,
    overrides,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger whose lines a test can read. */
export function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}
