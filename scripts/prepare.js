// `npm install` / `npm ci` run this (package.json "prepare"): compile src/ into dist/ so commands
// start without transpiling TypeScript, then stamp the build (bin/build-freshness.js), and compile
// the mail templates' MJML into dist/compiled-mail.json so no process loads MJML. Where the
// TypeScript compiler is not installed (`npm ci --omit=dev`, as docker-compose.yml does), it says
// so, the commands run from the sources through tsx, and the mail templates are compiled through
// tsx all the same.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** MJML compiles the mail templates (src/compile-mail.ts); a failure leaves them to compile on first use. */
function compileMail(args) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0)
    console.error('paperboy: compiling the mail templates failed (above); they compile on first use');
}

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.log('paperboy: TypeScript is not installed, so nothing is compiled; commands run from src/ through tsx');
  compileMail(['--import', 'tsx', 'src/compile-mail.ts']);
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
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
console.log('paperboy: compiled into dist/');
compileMail(['--enable-source-maps', 'dist/compile-mail.js']);
