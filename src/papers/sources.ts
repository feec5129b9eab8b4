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

/**
 * The largest answer (a page of the API, or a file) read: a real day of 50 papers is about
 * 150 KB, so 20 MiB leaves room for a hundred times that while a runaway or hostile answer is
 * refused before it is held in memory whole.
 */
export const MAX_ANSWER_BYTES = 20 * 1024 * 1024;

function tooLarge(where: string, bytes: number | string): SourceError {
  return new SourceError(
    `${where}: the answer is larger than ${MAX_ANSWER_BYTES} bytes (${bytes}); refused, nothing stored`,
  );
}

/**
 * An HTTP answer's body as text, read chunk by chunk and refused once it passes
 * MAX_ANSWER_BYTES (at once when its Content-Length says it will).
 */
export async function readLimitedBody(response: Response, where: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    throw tooLarge(where, declared);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel(); // the rest is never downloaded
      throw tooLarge(where, `more than ${size}`);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

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
      const { size } = await stat(file);
      if (size > MAX_ANSWER_BYTES) throw tooLarge(file, size);
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof SourceError) throw error;
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
