import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';
import { expect, it } from 'vitest';

// Rooms depend in one direction: the layers of src/ from top to bottom are the rows of the table
// in docs/architecture.md, each row's first cell naming its rooms. A file imports from its own
// layer or one below it, never from one above, and no import, a type's included, leads back to
// where it started. A new room or top-level file must be placed in the table.
const ARCHITECTURE = readFileSync(path.resolve(import.meta.dirname, '../docs/architecture.md'), 'utf8');
const LAYERS: string[][] = ARCHITECTURE.split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((row) =>
    [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\/$/, '')),
  );

const SRC = path.resolve(import.meta.dirname, '../src');
const roomOf = (file: string) => file.split('/')[0] ?? file;
const layerOf = (file: string) => LAYERS.findIndex((layer) => layer.includes(roomOf(file)));

it('has no import cycle, and no room imports from a room above it', async () => {
  const graph = await madge(SRC, {
    fileExtensions: ['ts'],
    tsConfig: path.resolve(import.meta.dirname, '../tsconfig.json'),
  });
  expect(LAYERS.length).toBeGreaterThan(10); // the table was found
  const imports = graph.obj();
  expect(Object.keys(imports).length).toBeGreaterThan(100); // it read the tree
  expect(graph.circular()).toEqual([]);

  const unplaced = [...new Set(Object.keys(imports).map(roomOf))].filter((room) => layerOf(room) < 0);
  expect(unplaced, 'rooms missing from LAYERS').toEqual([]);
  const upward = Object.entries(imports).flatMap(([file, deps]) =>
    deps.filter((dep) => layerOf(dep) < layerOf(file)).map((dep) => `${file} → ${dep}`),
  );
  expect(upward).toEqual([]);
});

it('exports each function name from one file only: one name per thing', () => {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.ts'),
  );
  const where = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    for (const [, name] of text.matchAll(/^export (?:async )?function (\w+)/gm))
      where.set(name as string, [...(where.get(name as string) ?? []), file]);
  }
  expect(where.size).toBeGreaterThan(100); // it read the tree
  expect([...where].filter(([, found]) => found.length > 1)).toEqual([]);
});
