/**
 * The environment every benchmark's Paperboy runs with, beside its own database and relay: a
 * fixed secret (links are signed as in production, and comparable from run to run), a public URL
 * of the length a real one has, a scratch data folder, and quiet logs.
 */
export const BENCH_ENV = {
  SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
  PUBLIC_URL: 'https://paperboy.example.org',
  DATA_DIR: '/tmp/paperboy-bench',
  LOG_LEVEL: 'warn',
} as const;
