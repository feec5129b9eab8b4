import { readFileSync } from 'node:fs';
import semver from 'semver';
import { expect, it } from 'vitest';

// `npm ci` warns EBADENGINE for every installed package whose `engines.node` leaves out the Node
// it runs on. The README's Node (package.json "engines") must satisfy every range the lockfile
// holds: its oldest version, and the one running these tests.

const root = new URL('../', import.meta.url);
const ours = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).engines.node as string;
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
};

function refusing(node: string): string[] {
  return Object.entries(lock.packages)
    .filter(([, pkg]) => pkg.engines?.node && !semver.satisfies(node, pkg.engines.node))
    .map(([where, pkg]) => `${where}@${pkg.version} wants ${pkg.engines?.node}`);
}

it('every package in the lockfile declares the oldest Node the README asks for', () => {
  const oldest = semver.minVersion(ours);
  expect(oldest, `package.json engines.node "${ours}"`).not.toBeNull();
  expect(refusing(String(oldest))).toEqual([]);
});

it('every package in the lockfile declares the Node running the tests', () => {
  expect(refusing(process.version)).toEqual([]);
});
