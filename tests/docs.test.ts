import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, STANDALONE } from '../bench/scenarios.ts';
import { ConfigSchema } from '../src/config.ts';

// The README and docs/ are the public contract: every command, option, npm script, variable and
// link they name must exist in the code as written.

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];
const text = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const packageJson = JSON.parse(text('package.json')) as { scripts: Record<string, string> };

/** Names in capitals the docs may use that are not Paperboy's configuration: the tests', benchmarks' and image build's variables, a kernel limit. */
const NOT_CONFIGURATION = new Set([
  'TEST_DATABASE_URL',
  'BENCH_DATABASE_URL',
  'KEEP_TEST_DATABASES',
  'BENCH_FIGURES',
  'BASE_IMAGE',
  'CHECK_DATABASE_URL',
  'RLIMIT_NOFILE',
]);

const run = promisify(execFile);
async function help(command: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin/paperboy.js'), ...command, '--help']);
  return stdout;
}

describe('the README and docs/', () => {
  it('fit a newcomer: the README is short, and every doc is linked from it', () => {
    const readme = text('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
    for (const doc of DOCS.filter((file) => file !== 'README.md')) expect(readme).toContain(`](${doc})`);
  });

  it('link only to files that exist', () => {
    for (const file of DOCS) {
      for (const [, target] of text(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        expect(existsSync(path.resolve(ROOT, path.dirname(file), target)), `${file} links to ${target}`).toBe(
          true,
        );
      }
    }
  });

  it('name only npm scripts that package.json has', () => {
    for (const file of DOCS) {
      for (const [, script] of text(file).matchAll(/npm run ([a-z][\w:-]*)/g)) {
        expect(packageJson.scripts, `${file}: npm run ${script}`).toHaveProperty([script as string]);
      }
    }
  });

  it('name only environment variables that Paperboy reads', () => {
    const known = new Set(Object.keys(ConfigSchema.properties));
    for (const file of DOCS) {
      for (const [, name] of text(file).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)) {
        const variable = name as string;
        if (NOT_CONFIGURATION.has(variable)) continue;
        expect(known.has(variable), `${file} names ${variable}, which is not in ConfigSchema`).toBe(true);
      }
    }
  });

  it('show `paperboy` commands and options the command has', async () => {
    const lines = DOCS.flatMap((file) =>
      [...text(file).matchAll(/npx paperboy ([a-z][a-z ]*[a-z])((?: [^\n#]*)?)/g)].map((m) => ({
        file,
        words: (m[1] as string).split(' '),
        rest: m[2] ?? '',
      })),
    );
    expect(lines.length).toBeGreaterThan(10);
    const helps = new Map<string, Promise<string>>();
    for (const { file, words, rest } of lines) {
      // the command is the words the CLI knows; what follows them is arguments
      const top = await (helps.get('') ?? helps.set('', help([])).get(''));
      const command = words[0] as string;
      expect(top, `${file}: paperboy ${command}`).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
      const group = await (helps.get(command) ?? helps.set(command, help([command])).get(command));
      let usage = group as string;
      const sub = words[1];
      if (sub && new RegExp(`^\\s+${sub}\\b`, 'm').test(group as string)) {
        const key = `${command} ${sub}`;
        usage = (await (helps.get(key) ?? helps.set(key, help([command, sub])).get(key))) as string;
      }
      for (const [, option] of `${words.slice(1).join(' ')} ${rest}`.matchAll(/(--[a-z][a-z-]*)/g))
        expect(usage, `${file}: paperboy ${words.join(' ')} ${option}`).toContain(option);
    }
  });
});

describe('benchmarks', () => {
  it('every bench, chaos and eval script is a scenario of npm run bench or says why it runs alone', () => {
    const benchScripts = Object.keys(packageJson.scripts).filter((name) =>
      /^(bench:|chaos$|eval$)/.test(name),
    );
    const listed = [...SCENARIOS.map((s) => s.npmScript), ...STANDALONE.map((s) => s.npmScript)];
    expect(listed.sort()).toEqual(benchScripts.sort());
    for (const scenario of SCENARIOS)
      expect(packageJson.scripts[scenario.npmScript]).toBe(`tsx bench/${scenario.script}`);
  });
});
