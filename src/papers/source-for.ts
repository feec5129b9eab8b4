import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { HuggingFaceSource } from './hugging-face-source.ts';
import { FileSource, type PaperSource, SAMPLE_DIR } from './sources.ts';

/** `hf` (the API at HF_API_URL), `file:PATH` (a file or a folder of YYYY-MM-DD.json) or `sample`. */
export function paperSourceFor(spec: string, config: Config, log: Logger): PaperSource {
  if (spec === 'hf') {
    return new HuggingFaceSource({
      baseUrl: config.hfApiUrl,
      userAgent: `Paperboy/0.1 (self-hosted research paper digest; +${config.publicUrl})`,
      timeoutMs: config.hfTimeoutMs,
      maxRetries: config.hfMaxRetries,
      pageSize: config.hfPageSize,
      log,
    });
  }
  if (spec === 'sample') return new FileSource(SAMPLE_DIR);
  if (spec.startsWith('file:') && spec.length > 'file:'.length)
    return new FileSource(spec.slice('file:'.length));
  throw new Error(`--source: expected hf, sample or file:PATH, got "${spec}"`);
}
