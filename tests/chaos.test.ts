import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The short version of `npm run chaos`: a few hundred subscribers, two kills of the sending
// process, one termination of its database sessions, a relay failing a fifth of the messages.
// pg_terminate_backend needs PostgreSQL, so it runs in the PostgreSQL pass of the suite.

const SCRIPT = fileURLToPath(new URL('../bench/chaos.ts', import.meta.url));

it.skipIf(!process.env.TEST_DATABASE_URL)(
  'delivers to every subscriber through kills, terminated sessions and relay faults',
  { timeout: 240_000 },
  async () => {
    const args = [
      '--subscribers',
      '400',
      '--kills',
      '2',
      '--terminations',
      '1',
      '--faults',
      '0.2',
      '--lease',
      '5',
    ];
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/missing 0 \(must be 0\)/);
    expect(output).toMatch(/kills 2, database terminations 1/);
    expect(output).not.toMatch(/"failed"/);
  },
);
