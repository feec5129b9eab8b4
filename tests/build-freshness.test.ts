import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript beside bin/paperboy.js, which runs before any build
import { BUILD_STAMP, buildIsFresh } from '../bin/build-freshness.js';

// bin/paperboy.js runs dist/ only when it was built from the sources as they are.

it('runs the build only when it exists and no source changed after it', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'paperboy-build-'));
  mkdirSync(path.join(root, 'src/db'), { recursive: true });
  const source = path.join(root, 'src/db/migrate.ts');
  writeFileSync(source, '');
  expect(buildIsFresh(root)).toBe(false); // never built

  mkdirSync(path.join(root, 'dist'));
  const stamp = path.join(root, BUILD_STAMP);
  writeFileSync(stamp, '');
  const earlier = new Date(Date.now() - 60_000);
  utimesSync(source, earlier, earlier);
  expect(buildIsFresh(root)).toBe(true);

  // a source edited after the build: run the sources
  const later = new Date(Date.now() + 60_000);
  utimesSync(source, later, later);
  expect(buildIsFresh(root)).toBe(false);
});
