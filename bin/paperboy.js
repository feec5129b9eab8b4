#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 (MB): V8's young generation may otherwise grow to 2 × 16 MB, most of it
// garbage between collections; a worker sending at full rate peaked 26 MB lower with it, at the
// same rate (bench:worker-memory, BENCHMARKS.md). The flag must be given when node starts: here,
// in `npm start`, and in docker-compose.yml.
// Paperboy runs the JavaScript `npm install` compiled into dist/ (the `prepare` script), with
// source maps for stack traces. Without a build, or when a source changed after it (while
// developing), it runs the TypeScript sources through tsx's loader instead: slower to start, the
// same program.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './build-freshness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (buildIsFresh(root)) {
  process.setSourceMapsEnabled(true);
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
