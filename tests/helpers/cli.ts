import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PAPERBOY_BIN = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `paperboy …args` in a child process with exactly the given environment (plus PATH, and a faked clock). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * libfaketime's variables, when the suite runs under `faketime` (.ci/run runs the tests that read
 * the clock at a Monday's 00:30 UTC): a command sees the same clock as the test that started it.
 */
function fakedClock(): Record<string, string> {
  const names = Object.keys(process.env).filter(
    (name) => name === 'LD_PRELOAD' || name.startsWith('FAKETIME'),
  );
  return Object.fromEntries(names.map((name) => [name, process.env[name] ?? '']));
}

export function startCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [PAPERBOY_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...fakedClock(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
