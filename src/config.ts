import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cron from 'node-cron';

/**
 * The environment, read and validated once at boot. Every variable is documented in
 * README.md and .env.example; a bad value stops the process with a message that names
 * the variable and what it expects.
 */
export interface Config {
  nodeEnv: string;
  port: number;
  host: string;
  publicUrl: string;
  /** Absent: embedded Postgres (PGlite) persisted under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Port of the embedded database's Postgres socket; 0 picks a free one. */
  embeddedDbPort: number;
  dbPoolSize: number;
  /** Absent: mail is written to dataDir/outbox as .eml files. */
  smtpUrl: string | undefined;
  smtpMaxConnections: number;
  /** Messages per second per worker process; 0 = no limit. */
  smtpRatePerSecond: number;
  mailFrom: string;
  /** An address for mailto: unsubscribe requests, offered beside the https link. */
  listUnsubscribeMailto: string | undefined;
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** Shared secret of the bounce and complaint webhook; unset disables it. */
  webhookSecret: string | undefined;
  secretKey: string;
  adminToken: string | undefined;
  hfApiUrl: string;
  hfTimeoutMs: number;
  hfMaxRetries: number;
  hfPageSize: number;
  /** node-cron expression of the ingest job. */
  ingestCron: string;
  outboxEnabled: boolean;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  trustProxy: boolean;
  senderPollMs: number;
  senderBatchSize: number;
  senderMaxInFlight: number;
  softBounceLimit: number;
  /** node-cron expression of the edition job (build, fan out). */
  editionCron: string;
  deliveryMaxAttempts: number;
  deliveryLeaseSeconds: number;
  /** Compiled digest variants kept in memory. */
  renderCacheSize: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw))
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[], fallback?: string): string | undefined {
  const raw = present(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL starting with ${protocols.join(' or ')}, got "${raw}"`);
  }
  if (!protocols.includes(`${parsed.protocol.replace(/:$/, '')}://`)) {
    throw new ConfigError(name, `expected a URL starting with ${protocols.join(' or ')}, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * SECRET_KEY signs every link in mail. In production it must be set; elsewhere a key is
 * generated once and kept in DATA_DIR so links keep working across restarts.
 */
function secretKey(env: Env, nodeEnv: string, dataDir: string): string {
  const raw = present(env, 'SECRET_KEY');
  if (raw !== undefined) {
    if (raw.length < 32)
      throw new ConfigError('SECRET_KEY', 'expected at least 32 characters (try: openssl rand -hex 32)');
    return raw;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('SECRET_KEY', 'must be set in production (try: openssl rand -hex 32)');
  }
  const file = path.join(dataDir, 'secret.key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const generated = randomBytes(32).toString('hex');
    writeFileSync(file, `${generated}\n`, { mode: 0o600 });
    return generated;
  }
}

function mailtoAddress(env: Env): string | undefined {
  const address = present(env, 'LIST_UNSUBSCRIBE_MAILTO');
  if (address !== undefined && !/^[^\s@<>,"]+@[^\s@<>,"]+\.[^\s@<>,"]+$/.test(address)) {
    throw new ConfigError(
      'LIST_UNSUBSCRIBE_MAILTO',
      `expected a bare address such as unsubscribe@example.org, got "${address}"`,
    );
  }
  return address;
}

/** DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (PEM text, or a path to a PEM file): all or none. */
function dkim(env: Env): Config['dkim'] {
  const domainName = present(env, 'DKIM_DOMAIN');
  const keySelector = present(env, 'DKIM_SELECTOR');
  const key = present(env, 'DKIM_PRIVATE_KEY');
  if (!domainName && !keySelector && !key) return undefined;
  for (const [name, value] of [
    ['DKIM_DOMAIN', domainName],
    ['DKIM_SELECTOR', keySelector],
    ['DKIM_PRIVATE_KEY', key],
  ] as const) {
    if (!value)
      throw new ConfigError(
        name,
        'must be set too: DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY',
      );
  }
  let privateKey = (key as string).replace(/\\n/g, '\n');
  if (!privateKey.includes('-----BEGIN')) {
    try {
      privateKey = readFileSync(privateKey, 'utf8');
    } catch {
      throw new ConfigError(
        'DKIM_PRIVATE_KEY',
        `expected a PEM private key or the path of one; cannot read "${key}"`,
      );
    }
  }
  if (!privateKey.includes('PRIVATE KEY-----'))
    throw new ConfigError('DKIM_PRIVATE_KEY', 'is not a PEM private key');
  return { domainName: domainName as string, keySelector: keySelector as string, privateKey };
}

function webhookSecret(env: Env): string | undefined {
  const secret = present(env, 'WEBHOOK_SECRET');
  if (secret !== undefined && secret.length < 16)
    throw new ConfigError('WEBHOOK_SECRET', 'expected at least 16 characters');
  return secret;
}

function cronExpression(env: Env, name: string, fallback: string): string {
  const expression = present(env, name) ?? fallback;
  if (!cron.validate(expression)) {
    throw new ConfigError(name, `expected a cron expression such as "*/30 * * * *", got "${expression}"`);
  }
  return expression;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = present(env, 'NODE_ENV') ?? 'development';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const dataDir = path.resolve(present(env, 'DATA_DIR') ?? './data');
  const logLevel = present(env, 'LOG_LEVEL') ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(logLevel))
    throw new ConfigError('LOG_LEVEL', `expected one of ${levels.join(', ')}, got "${logLevel}"`);
  const mailFrom = present(env, 'MAIL_FROM') ?? 'Paperboy <paperboy@localhost>';
  if (/[\r\n]/.test(mailFrom) || !/@/.test(mailFrom)) {
    throw new ConfigError(
      'MAIL_FROM',
      `expected an address such as "Paperboy <digest@example.org>", got "${mailFrom}"`,
    );
  }

  return {
    nodeEnv,
    port,
    host: present(env, 'HOST') ?? '127.0.0.1',
    publicUrl: url(env, 'PUBLIC_URL', ['http://', 'https://'], `http://localhost:${port}`) as string,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres://', 'postgresql://']),
    dataDir,
    embeddedDbPort: integer(env, 'EMBEDDED_DB_PORT', 0, 0, 65535),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 200),
    smtpUrl: url(env, 'SMTP_URL', ['smtp://', 'smtps://']),
    smtpMaxConnections: integer(env, 'SMTP_MAX_CONNECTIONS', 5, 1, 100),
    smtpRatePerSecond: integer(env, 'SMTP_RATE_PER_SECOND', 0, 0, 1_000_000),
    mailFrom,
    listUnsubscribeMailto: mailtoAddress(env),
    dkim: dkim(env),
    webhookSecret: webhookSecret(env),
    secretKey: secretKey(env, nodeEnv, dataDir),
    adminToken: present(env, 'ADMIN_TOKEN'),
    hfApiUrl: url(env, 'HF_API_URL', ['http://', 'https://'], 'https://huggingface.co') as string,
    hfTimeoutMs: integer(env, 'HF_TIMEOUT_MS', 10_000, 100, 600_000),
    hfMaxRetries: integer(env, 'HF_MAX_RETRIES', 4, 0, 20),
    hfPageSize: integer(env, 'HF_PAGE_SIZE', 50, 1, 100),
    ingestCron: cronExpression(env, 'INGEST_CRON', '*/30 * * * *'),
    outboxEnabled: boolean(env, 'OUTBOX_ENABLED', nodeEnv !== 'production'),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 20, 1, 1_000_000),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    senderPollMs: integer(env, 'SENDER_POLL_MS', 2000, 50, 600_000),
    senderBatchSize: integer(env, 'SENDER_BATCH_SIZE', 50, 1, 10_000),
    senderMaxInFlight: integer(env, 'SENDER_MAX_IN_FLIGHT', 500, 1, 100_000),
    softBounceLimit: integer(env, 'SOFT_BOUNCE_LIMIT', 3, 1, 100),
    editionCron: cronExpression(env, 'EDITION_CRON', '5 * * * *'),
    deliveryMaxAttempts: integer(env, 'DELIVERY_MAX_ATTEMPTS', 8, 1, 100),
    deliveryLeaseSeconds: integer(env, 'DELIVERY_LEASE_SECONDS', 300, 5, 86_400),
    renderCacheSize: integer(env, 'RENDER_CACHE_SIZE', 500, 1, 100_000),
    logLevel,
  };
}
