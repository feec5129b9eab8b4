import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli, startCli } from './helpers/cli.ts';
import { useTestBed } from './helpers/test-bed.ts';

// What an operator meets in their first minutes with the commands beside a running server.

const bed = useTestBed();
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const env = (publicUrl: string) => ({
  DATABASE_URL: bed.database.url,
  SECRET_KEY: TEST_SECRET_KEY,
  PUBLIC_URL: publicUrl,
  LOG_LEVEL: 'info',
});

it('a command whose PUBLIC_URL is not the running server’s warns on stderr, naming both; stdout stays the answer', {
  timeout: 120_000,
}, async () => {
  const port = await freePort();
  const serverUrl = `http://localhost:${port}`;
  const server = startCli(['api'], { ...env(serverUrl), PORT: String(port) });
  running.push(server);
  let output = '';
  server.stderr?.on('data', (chunk) => (output += chunk));
  server.stdout?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while ((await bed.pool.query('SELECT 1 FROM http_servers')).rowCount === 0) {
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`paperboy api did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const elsewhere = await runCli(['subscribers', 'export'], env('http://localhost:3000'));
  expect(elsewhere.code).toBe(0);
  const warning = elsewhere.stderr.split('\n').find((line) => line.includes('PUBLIC_URL'));
  expect(warning).toContain('http://localhost:3000');
  expect(warning).toContain(serverUrl);
  // piped: the answer alone on stdout, every log line on stderr
  expect(elsewhere.stdout.split('\n')[0]).toMatch(/^email,/);
  expect(elsewhere.stdout).not.toContain('"level"');

  const same = await runCli(['subscribers', 'export'], env(serverUrl));
  expect(same.code).toBe(0);
  expect(same.stderr).not.toContain('PUBLIC_URL');
});
