import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findRunningEmbedded, startEmbeddedPostgres } from '../src/db/embedded.ts';
import { runCli, startCli } from './helpers/cli.ts';

// The zero-configuration path of `npm start`: no DATABASE_URL, no SMTP_URL.

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function serve(env: Record<string, string>) {
  const child = startCli(['serve'], env);
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  let exitCode: number | null | undefined;
  child.on('exit', (code) => (exitCode = code));
  const base = `http://127.0.0.1:${env.PORT}`;
  // A cold embedded start (data folder, migrations, sample papers) takes seconds on a quiet machine
  // and much longer while the other test files load both cores, so the wait is generous; a server
  // that exits is reported at once, with what it printed.
  const outcome = await waitFor(
    () => `paperboy serve on ${base} (output so far: ${output})`,
    async () => {
      if (exitCode !== undefined) return 'exited';
      return (await fetch(`${base}/healthz`)).ok ? 'ready' : undefined;
    },
    180_000,
  );
  if (outcome === 'exited') throw new Error(`paperboy serve exited with ${exitCode}: ${output}`);
  return {
    base,
    async stop() {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

it('keeps its data across a restart, and lets the CLI in while the server runs', {
  timeout: 480_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-embedded-'));
  const port = String(await freePort());
  const env = {
    DATA_DIR: dataDir,
    PORT: port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SENDER_POLL_MS: '200',
  };

  const first = await serve(env);
  // a fresh install's home page shows the latest real day of the bundled sample, nothing synthetic
  const home = await (await fetch(`${first.base}/`)).text();
  expect(home).toContain('Trending papers of Wednesday, 29 July 2026');
  expect(home).not.toMatch(/Résumé|example-lab/);
  const subscribed = await fetch(`${first.base}/api/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'restart@example.org', keywords: ['agents'] }),
  });
  expect(subscribed.status).toBe(202);
  const outbox = path.join(dataDir, 'outbox');
  const [eml] = await waitFor('the confirmation in the outbox', () => {
    const files = existsSync(outbox) ? readdirSync(outbox) : [];
    return files.length > 0 ? files : undefined;
  });
  const listing = await (await fetch(`${first.base}/outbox`)).text();
  expect(listing).toContain('Confirm your Paperboy subscription');

  // the CLI reaches the embedded database through the running server's socket
  const migrate = await runCli(['migrate'], { DATA_DIR: dataDir });
  expect(migrate.code, migrate.stderr).toBe(0);
  expect(migrate.stdout).toContain('served by another process');

  // the empty demo database got the bundled sample papers at start
  const sample = await runCli(['ingest', '--source', 'sample'], { DATA_DIR: dataDir });
  expect(sample.code, sample.stderr).toBe(0);
  expect(sample.stdout).toContain('2026-07-28: 0 new, 0 updated, 25 unchanged, 0 skipped');

  expect(await first.stop()).toBe(0);
  expect(existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(false);

  const second = await serve(env);
  const raw = readFileSync(path.join(outbox, eml as string), 'utf8').replace(/=\r?\n/g, '');
  const confirmPath = /\/confirm\/[A-Za-z0-9._-]+/.exec(raw)?.[0];
  expect(confirmPath).toBeDefined();
  const confirmed = await fetch(`${second.base}${confirmPath}`, { method: 'POST' });
  expect(confirmed.status).toBe(200);
  expect(await confirmed.text()).toContain('You are subscribed');
  expect(await second.stop()).toBe(0);
});

it('refuses a second server on the same data folder with a clear message', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-embedded-'));
  const port = String(await freePort());
  const first = await serve({ DATA_DIR: dataDir, PORT: port });
  // a second `serve` would find the socket and share it; a second owner is what must fail
  const { startEmbeddedPostgres } = await import('../src/db/embedded.ts');
  await expect(startEmbeddedPostgres({ dataDir, port: 0, maxConnections: 5 })).rejects.toThrow(
    /in use by another Paperboy process/,
  );
  expect(await first.stop()).toBe(0);
});

it('replaces a stale embedded-db.json whose pid is alive but whose port is not an embedded database, in one line', {
  timeout: 120_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-stale-'));
  const file = path.join(dataDir, 'embedded-db.json');
  // a live process that is not Paperboy (this test's parent), and a port where something else listens
  const other = createServer((socket) => socket.end('220 not a database\r\n'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const { port } = other.address() as { port: number };
  try {
    writeFileSync(file, JSON.stringify({ pid: process.ppid, port }));
    const lines: string[] = [];
    expect(await findRunningEmbedded(dataDir, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`names process ${process.ppid} and port ${port}`);
    expect(lines[0]).toContain('replacing it');

    // written again (a start that found it first): the server starts on its own and takes it over
    writeFileSync(file, JSON.stringify({ pid: process.ppid, port }));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      maxConnections: 5,
      notice: () => undefined,
    });
    try {
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    } finally {
      await embedded.stop();
    }
  } finally {
    other.close();
  }
});

it('stops cleanly on SIGTERM at any moment of start-up: exit 0, the data folder free again', {
  timeout: 300_000,
}, async () => {
  for (const afterMs of [1500, 4000]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-embedded-'));
    const port = String(await freePort());
    const child = startCli(['serve'], {
      DATA_DIR: dataDir,
      PORT: port,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    running.push(child);
    let output = '';
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.stdout?.on('data', (chunk) => (output += chunk));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    child.kill('SIGTERM');
    expect(await exited, `SIGTERM after ${afterMs} ms: ${output}`).toEqual([0, null]);
    expect(existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(false);
  }
});
