import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the papers of a day come from: the raw items, not yet validated. */
export interface PaperSource {
  description: string;
  fetchDay(date: string): Promise<unknown[]>;
  /** Days the source holds, when it can tell (files); undefined for the live API. */
  availableDays?(): Promise<string[]>;
}

/** The answer for a whole day is unusable: nothing is stored for that day. */
export class SourceError extends Error {
  override name = 'SourceError';
}

// through the repository root, so the compiled copy in dist/ finds the same folder
export const SAMPLE_DIR = fileURLToPath(new URL('../../src/papers/sample/', import.meta.url));

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

export function parseJsonArray(text: string, where: string): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SourceError(`${where}: the answer is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(body)) {
    throw new SourceError(
      `${where}: expected a JSON array of papers, got ${body === null ? 'null' : typeof body}`,
    );
  }
  return body;
}

/**
 * Papers from files in the API's shape, for offline use: a folder of YYYY-MM-DD.json (a day
 * without a file had no papers), or one file, used for whichever day is asked.
 */
export class FileSource implements PaperSource {
  readonly description: string;

  constructor(private readonly target: string) {
    this.description = `file:${target}`;
  }

  private async isFolder(): Promise<boolean> {
    try {
      return (await stat(this.target)).isDirectory();
    } catch {
      throw new SourceError(`${this.target}: no such file or folder`);
    }
  }

  async fetchDay(date: string): Promise<unknown[]> {
    const file = (await this.isFolder()) ? path.join(this.target, `${date}.json`) : this.target;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file !== this.target) return [];
      throw new SourceError(`${file}: ${(error as Error).message}`);
    }
    return parseJsonArray(text, file);
  }

  async availableDays(): Promise<string[]> {
    if (!(await this.isFolder())) {
      const day = DAY_FILE.exec(path.basename(this.target))?.[1];
      return day ? [day] : [];
    }
    return (await readdir(this.target))
      .map((name) => DAY_FILE.exec(name)?.[1])
      .filter((day): day is string => day !== undefined)
      .sort();
  }
}
