import type { Logger } from 'pino';
import { backoffDelay, sleep } from '../backoff.ts';
import { type PaperSource, parseJsonArray, readLimitedBody, SourceError } from './sources.ts';

export interface HuggingFaceSourceOptions {
  /** HF_API_URL: the source calls `${baseUrl}/api/daily_papers?date=YYYY-MM-DD&p=N&limit=M`. */
  baseUrl: string;
  userAgent: string;
  log: Logger;
  /** HF_TIMEOUT_MS */
  timeoutMs: number;
  /** HF_MAX_RETRIES: tries after the first, for network errors, 429 and 5xx. */
  maxRetries: number;
  /** HF_PAGE_SIZE */
  pageSize: number;
  /** First backoff delay; doubled each retry, with jitter. */
  baseDelayMs?: number;
  /** No wait is longer than this, whatever Retry-After asks. */
  maxDelayMs?: number;
}

// A guard against an API that never answers an empty page.
const MAX_PAGES = 100;

/** Retry-After as milliseconds: either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The Hugging Face daily papers API, read page by page until an empty page. */
export class HuggingFaceSource implements PaperSource {
  readonly description: string;
  private readonly options: Required<HuggingFaceSourceOptions>;

  constructor(options: HuggingFaceSourceOptions) {
    this.options = {
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      ...options,
    };
    this.description = `${options.baseUrl}/api/daily_papers`;
  }

  async fetchDay(date: string): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const batch = await this.fetchPage(date, page);
      if (batch.length === 0) return items;
      items.push(...batch);
    }
    throw new SourceError(`${this.description}?date=${date}: still not empty after ${MAX_PAGES} pages`);
  }

  private async fetchPage(date: string, page: number): Promise<unknown[]> {
    const { baseUrl, userAgent, timeoutMs, maxRetries, pageSize, maxDelayMs, log } = this.options;
    const url = `${baseUrl}/api/daily_papers?date=${date}&p=${page}&limit=${pageSize}`;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let waitMs: number | undefined;
      try {
        // the timeout covers the whole exchange, body included
        const response = await fetch(url, {
          headers: { 'user-agent': userAgent, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.ok) return parseJsonArray(await readLimitedBody(response, url), url);
        await response.body?.cancel();
        if (response.status !== 429 && response.status < 500) {
          throw new SourceError(`${url}: answered ${response.status} ${response.statusText}`);
        }
        problem = `answered ${response.status}`;
        waitMs = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof SourceError) throw error;
        const e = error as Error & { cause?: { code?: string } };
        problem =
          e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
      }
      if (attempt >= maxRetries) {
        throw new SourceError(`${url}: ${problem}, giving up after ${attempt + 1} attempts`);
      }
      const delay = Math.min(
        maxDelayMs,
        waitMs ?? backoffDelay(attempt, { base: this.options.baseDelayMs, cap: maxDelayMs }),
      );
      log.warn({ url, problem, retryInMs: Math.round(delay) }, 'papers API failed; retrying');
      await sleep(delay);
    }
  }
}
