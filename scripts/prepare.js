// `npm install` / `npm ci` run this (package.json "prepare"): compile src/ into dist/ so commands
// start without transpiling TypeScript, compile the mail templates' MJML, then stamp the build (bin/build-freshness.js). Where the
// TypeScript compiler is not installed (`npm ci --omit=dev`, as docker-compose.yml does), it says
// so and the commands run from the sources through tsx.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.log('paperboy: TypeScript is not installed, so nothing is compiled; commands run from src/ through tsx');
  process.exit(0);
}
console.log('paperboy: compiling src/ into dist/ …');
rmSync('dist', { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) {
  // a failed build must not leave a half-built dist/ that looks fresh
  rmSync('dist', { recursive: true, force: true });
  console.error('paperboy: the build failed (above); commands run from src/ through tsx');
  process.exit(0);
}
// MJML compiles the mail templates now, so that no command or worker loads it (src/compile-mail.ts)
const mail = spawnSync(process.execPath, ['--enable-source-maps', 'dist/compile-mail.js'], { stdio: 'inherit' });
if (mail.status !== 0) {
  rmSync('dist', { recursive: true, force: true });
  console.error('paperboy: compiling the mail templates failed (above); commands run from src/ through tsx');
  process.exit(0);
}
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
console.log('paperboy: compiled into dist/');
