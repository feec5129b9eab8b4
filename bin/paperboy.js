#!/usr/bin/env node
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
