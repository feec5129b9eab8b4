import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The file `npm run build` leaves in dist/ when it is done: its time is the build's. */
export const BUILD_STAMP = 'dist/.built';

/** The newest modification time of the files under `dir` (0 for an empty or missing folder). */
function newestUnder(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Whether the compiled JavaScript in dist/ was built from the sources as they are: it exists, and
 * no file under src/ changed after it was built. A source edited since (while developing) makes
 * the command run from the sources instead, so what runs is always what is there. (Compiled mail
 * templates check their own sources: compiled-mail.ts.)
 */
export function buildIsFresh(root) {
  let built;
  try {
    built = statSync(path.join(root, BUILD_STAMP)).mtimeMs;
  } catch {
    return false;
  }
  return newestUnder(path.join(root, 'src')) <= built;
}
