import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';

export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
export const TEST_PUBLIC_URL = 'https://paperboy.test';

/** The configuration of a test: its own database and data folder, quiet logs, roomy limits. */
export function testConfig(env: Record<string, string | undefined>): Config {
  return loadConfig({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'paperboy-test-')),
    SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: TEST_PUBLIC_URL,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '10000',
    ...env,
  });
}
