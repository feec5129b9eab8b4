import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cron from 'node-cron';
import { type Static, Type } from 'typebox';

/**
 * Every environment variable Paperboy reads, said once: its type, default, limits and
 * meaning. loadConfig() validates against it, the Config type is derived from it, and the
 * README's configuration table is generated from it (`npm run docs:config`; a test fails when
 * the two disagree). Options beyond JSON Schema, read by loadConfig() and configTable():
 * - `protocols`: a URL variable's allowed schemes;
 * - `format: 'cron' | 'mailbox' | 'address' | 'domain' | 'line' | 'color'`: a node-cron expression, a
 *   From header, a bare address, a domain name, one line of text, a `#rrggbb` colour;
 * - `defaultText`: how the README shows (in Markdown) a default that is computed or means "unset";
 * - `group`: variables that are set together and share one row of the table.
 */
const url = (protocols: string[], options: Record<string, unknown>) =>
  Type.Optional(Type.String({ ...options, protocols }));
const optionalString = (options: Record<string, unknown>) => Type.Optional(Type.String(options));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description:
      '`production` requires `SECRET_KEY`, an https `PUBLIC_URL` (http only on localhost), a `MAIL_FROM` at a real domain and an aligned `DKIM_DOMAIN`; turns `/outbox` off and keeps `/metrics` and `/docs` for `ADMIN_TOKEN`',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'address to listen on (`0.0.0.0` in containers)',
  }),
  PUBLIC_URL: url(['http', 'https'], {
    defaultText: '`http://localhost:$PORT`',
    description: 'base of every link in mail; use https in production',
  }),
  DATABASE_URL: url(['postgres', 'postgresql'], {
    defaultText: 'unset → embedded',
    description: '`postgres://user:pass@host:5432/db`',
  }),
  DATA_DIR: Type.String({
    default: './data',
    description: 'embedded database, outbox, generated secret key',
  }),
  EMBEDDED_DB_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 0,
    defaultText: '`0` (any free port)',
    description: "port of the embedded database's Postgres socket (127.0.0.1 only)",
  }),
  DB_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: 'connections per process',
  }),
  SMTP_URL: url(['smtp', 'smtps'], {
    defaultText: 'unset → outbox',
    description: '`smtp://user:pass@host:587` or `smtps://user:pass@host:465`',
  }),
  SMTP_MAX_CONNECTIONS: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'pooled SMTP connections per worker',
  }),
  SMTP_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 100,
    description:
      'messages sent over one SMTP connection before it is closed and a new one opened (relays differ in what they accept; 100 is Nodemailer’s default; where the relay allows more, as Postfix does by default, 1000 sends faster: see `bench:wire-sweep` in BENCHMARKS.md)',
  }),
  SMTP_RATE_PER_SECOND: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 0,
    defaultText: '`0` (no limit)',
    description:
      'most messages sent per second by all processes on the database together (workers and `digest send`)',
  }),
  MAIL_FROM: Type.String({
    format: 'mailbox',
    default: 'paperboy@localhost',
    defaultText: '`$SITE_NAME <paperboy@localhost>`',
    description: 'sender of every mail; a bare address gets `SITE_NAME` as its display name',
  }),
  SITE_NAME: Type.String({
    format: 'line',
    maxLength: 60,
    default: 'Paperboy',
    description: 'the name on every page, feed and mail, and the From name when `MAIL_FROM` has none',
  }),
  SITE_LOGO_URL: url(['https'], {
    defaultText: 'unset (the name alone)',
    description: 'an https image shown beside the name at the top of every page',
  }),
  ACCENT_COLOR: Type.String({
    format: 'color',
    default: '#1d4ed8',
    description:
      'links and primary buttons, as `#rrggbb`; darkened for light pages and lightened for dark ones until it has 4.5:1 contrast with their background (WCAG AA)',
  }),
  SITE_FOOTER: optionalString({
    format: 'line',
    maxLength: 300,
    defaultText: 'unset',
    description:
      'a line at the foot of every page, such as the postal address anti-spam laws ask senders to show',
  }),
  OUTBOX_ENABLED: Type.Optional(
    Type.Boolean({
      defaultText: '`true` unless production',
      description: 'serve `/outbox` (only when mail goes to the outbox)',
    }),
  ),
  SECRET_KEY: optionalString({
    minLength: 32,
    defaultText: 'generated into `DATA_DIR/secret.key`',
    description:
      '32+ characters; signs the links in mail. Required in production; every process must share it',
  }),
  ADMIN_TOKEN: optionalString({
    minLength: 16,
    defaultText: 'unset (console and admin API off)',
    description:
      '16+ characters; signs the operator in to the console at `/admin`, and `Authorization: Bearer …` for `/api/admin/*`; unset, both answer 404',
  }),
  WEBHOOK_SECRET: optionalString({
    minLength: 16,
    defaultText: 'unset (webhook off)',
    description: '16+ characters; `Authorization: Bearer …` for `/api/webhooks/delivery-events`',
  }),
  LIST_UNSUBSCRIBE_MAILTO: optionalString({
    format: 'address',
    defaultText: 'unset',
    description: 'an address offered as `mailto:` in `List-Unsubscribe` beside the https link',
  }),
  INBOUND_DOMAIN: optionalString({
    format: 'domain',
    defaultText: 'unset (bounces go to `MAIL_FROM`)',
    description:
      'a domain whose MX reaches the inbound listener: each mail’s return path becomes `bounce+<signed delivery id>@` it (VERP) and `List-Unsubscribe` offers `mailto:unsubscribe+<signed token>@` it (README: "Mail that comes back")',
  }),
  INBOUND_SMTP_PORT: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65535,
      defaultText: 'unset (`paperboy inbound` listens on 2525; a worker runs no listener)',
      description: 'port of the inbound SMTP listener; set, every worker runs one',
    }),
  ),
  INBOUND_SMTP_HOST: Type.String({
    default: '127.0.0.1',
    description: 'address the inbound SMTP listener binds (`0.0.0.0` to take mail from other machines)',
  }),
  DKIM_DOMAIN: optionalString({
    group: 'dkim',
    defaultText: 'unset',
    description: 'DKIM signing (all three); the key as PEM text or a path to a PEM file',
  }),
  DKIM_SELECTOR: optionalString({ group: 'dkim' }),
  DKIM_PRIVATE_KEY: optionalString({ group: 'dkim' }),
  DKIM_ALLOW_UNALIGNED: Type.Boolean({
    default: false,
    description:
      'allow a `DKIM_DOMAIN` that is not the From domain nor a parent of it (production refuses it otherwise: DMARC would fail)',
  }),
  METRICS_PUBLIC: Type.Optional(
    Type.Boolean({
      defaultText: '`true` unless production',
      description: 'serve `/metrics` to anyone; when false it needs `Authorization: Bearer $ADMIN_TOKEN`',
    }),
  ),
  DOCS_PUBLIC: Type.Optional(
    Type.Boolean({
      defaultText: '`true` unless production',
      description:
        'serve `/docs` (the OpenAPI document) to anyone; when false it needs `Authorization: Bearer $ADMIN_TOKEN`',
    }),
  ),
  HF_API_URL: Type.String({
    protocols: ['http', 'https'],
    default: 'https://huggingface.co',
    description: 'where papers come from (`/api/daily_papers`)',
  }),
  HF_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 10_000,
    description: 'timeout of one request to the papers API',
  }),
  HF_MAX_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 20,
    default: 4,
    description: 'retries after network errors, `429` and `5xx`',
  }),
  HF_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: '`limit` of each page' }),
  INGEST_CRON: Type.String({
    format: 'cron',
    default: '*/30 * * * *',
    description: "when workers ingest yesterday's and today's papers (UTC)",
  }),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'trust `X-Forwarded-For` (behind a reverse proxy)',
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 20,
    description: 'requests per client and window on public POST routes',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({
    minimum: 1000,
    maximum: 86_400_000,
    default: 60_000,
    description: 'the rate-limit window',
  }),
  SENDER_POLL_MS: Type.Integer({
    minimum: 50,
    maximum: 600_000,
    default: 2000,
    description: 'how often an idle worker looks for due mail',
  }),
  SENDER_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 50,
    description: 'deliveries a worker claims at a time',
  }),
  SENDER_MAX_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 200,
    description: 'messages a worker holds at once (claimed, not yet recorded)',
  }),
  SOFT_BOUNCE_LIMIT: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 3,
    description: 'digests in a row undeliverable after every retry before an address is suppressed',
  }),
  EDITION_CRON: Type.String({
    format: 'cron',
    default: '5 * * * *',
    description: "when workers build and fan out yesterday's daily and last week's weekly edition (UTC)",
  }),
  DELIVERY_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 8,
    description:
      'tries that reached the relay (its 4xx, a dropped connection) before a delivery is marked failed; a crash is not one',
  }),
  DELIVERY_RETRY_BASE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 30,
    description:
      'wait before the first retry of a transient failure; doubled for each retry after it, with jitter',
  }),
  DELIVERY_RETRY_MAX_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 7 * 86_400,
    default: 6 * 3600,
    description: 'the longest wait between two attempts of a delivery',
  }),
  DELIVERY_LEASE_SECONDS: Type.Integer({
    minimum: 5,
    maximum: 86_400,
    default: 300,
    description: "after this, a crashed worker's in-flight mail is retried",
  }),
  RENDER_CACHE_SIZE: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 500,
    description:
      "digest frames (an edition's values set into a compiled template) kept in memory per process",
  }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info', description: '`fatal` … `trace`, or `silent`' },
  ),
});

type Env = Static<typeof ConfigSchema>;
type EnvName = keyof Env & string;

/** SMTP_RATE_PER_SECOND → smtpRatePerSecond: the key of each variable in Config. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;
type DkimName = 'DKIM_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_PRIVATE_KEY';
type Derived = 'PUBLIC_URL' | 'OUTBOX_ENABLED' | 'METRICS_PUBLIC' | 'DOCS_PUBLIC' | 'SECRET_KEY' | DkimName;

/** The environment, read and validated once at boot: one key per variable of ConfigSchema. */
export type Config = {
  [K in Exclude<EnvName, Derived> as CamelCase<K>]-?: Env[K];
} & {
  publicUrl: string;
  outboxEnabled: boolean;
  metricsPublic: boolean;
  docsPublic: boolean;
  secretKey: string;
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type RawEnv = Record<string, string | undefined>;

interface VariableSchema {
  type?: string;
  anyOf?: Array<{ const: string }>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  default?: unknown;
  defaultText?: string;
  description?: string;
  protocols?: string[];
  format?: 'cron' | 'mailbox' | 'address' | 'domain' | 'line' | 'color';
  maxLength?: number;
  group?: string;
}

const variables = ConfigSchema.properties as unknown as Record<EnvName, VariableSchema>;

function present(env: RawEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

const camelCase = (name: string) =>
  name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** One variable's raw text → its value, or a ConfigError naming it and what it expects. */
function parseValue(name: string, schema: VariableSchema, raw: string): unknown {
  const fail = (expected: string, got: unknown = `"${raw}"`): never => {
    throw new ConfigError(name, `expected ${expected}, got ${got}`);
  };
  if (schema.type === 'integer') {
    const range = `a whole number from ${schema.minimum} to ${schema.maximum}`;
    if (!/^-?\d+$/.test(raw)) return fail(range);
    const value = Number(raw);
    if (value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity))
      return fail(range, value);
    return value;
  }
  if (schema.type === 'boolean') {
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    return fail('true or false', `"${lower}"`);
  }
  if (schema.anyOf) {
    const allowed = schema.anyOf.map((option) => option.const);
    return allowed.includes(raw) ? raw : fail(`one of ${allowed.join(', ')}`);
  }
  if (schema.protocols) {
    const expected = `a URL starting with ${schema.protocols.map((p) => `${p}://`).join(' or ')}`;
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(expected);
    }
    if (!schema.protocols.includes(parsed.protocol.replace(/:$/, ''))) return fail(expected);
    return raw.replace(/\/+$/, '');
  }
  if (schema.minLength !== undefined && raw.length < schema.minLength) {
    throw new ConfigError(name, `expected at least ${schema.minLength} characters`);
  }
  if (schema.format === 'cron' && !cron.validate(raw))
    return fail('a cron expression such as "*/30 * * * *"');
  if (schema.format === 'mailbox' && (/[\r\n]/.test(raw) || !raw.includes('@')))
    return fail('an address such as "Paperboy <digest@example.org>"');
  if (schema.format === 'address' && !/^[^\s@<>,"]+@[^\s@<>,"]+\.[^\s@<>,"]+$/.test(raw))
    return fail('a bare address such as unsubscribe@example.org');
  // a name goes into headers (From) and pages: one line, no control characters
  if (schema.format === 'line' && /\p{Cc}/u.test(raw))
    return fail('one line of text without control characters');
  if (schema.maxLength !== undefined && raw.length > schema.maxLength)
    throw new ConfigError(name, `expected at most ${schema.maxLength} characters`);
  if (schema.format === 'color' && !/^#[0-9a-f]{6}$/i.test(raw))
    return fail('a colour as #rrggbb, such as #1d4ed8');
  if (
    schema.format === 'domain' &&
    !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(raw)
  )
    return fail('a domain name such as bounces.example.org');
  return raw;
}

/** Every variable of ConfigSchema: its value from env, or its default, keyed by its Config name. */
function readVariables(env: RawEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(variables)) {
    const raw = present(env, name);
    values[camelCase(name)] = raw === undefined ? schema.default : parseValue(name, schema, raw);
  }
  return values;
}

/**
 * SECRET_KEY signs every link in mail. In production it must be set; elsewhere a key is
 * generated once and kept in DATA_DIR so links keep working across restarts.
 */
function secretKey(given: string | undefined, nodeEnv: string, dataDir: string): string {
  if (given !== undefined) return given;
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

/** DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (PEM text, or a path to a PEM file): all or none. */
function dkim(values: Record<string, unknown>): Config['dkim'] {
  const given = {
    DKIM_DOMAIN: values.dkimDomain as string | undefined,
    DKIM_SELECTOR: values.dkimSelector as string | undefined,
    DKIM_PRIVATE_KEY: values.dkimPrivateKey as string | undefined,
  };
  if (Object.values(given).every((value) => value === undefined)) return undefined;
  for (const [name, value] of Object.entries(given)) {
    if (!value)
      throw new ConfigError(
        name,
        'must be set too: DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY',
      );
  }
  const key = given.DKIM_PRIVATE_KEY as string;
  let privateKey = key.replace(/\\n/g, '\n');
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
  return {
    domainName: given.DKIM_DOMAIN as string,
    keySelector: given.DKIM_SELECTOR as string,
    privateKey,
  };
}

/** The domain of a From header: `Paperboy <digest@example.org>` → example.org. */
function fromDomain(mailFrom: string): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  return address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase();
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What production refuses, because mail providers would: links over http (RFC 8058 one-click
 * needs https), a From address at localhost, a DKIM signature for a domain that is not the
 * From domain or a parent of it (DMARC alignment; DKIM_ALLOW_UNALIGNED for the unusual case).
 * An http PUBLIC_URL on a loopback host is allowed: a trial on one machine (docker compose),
 * whose links no provider can follow anyway.
 */
function checkProduction(config: Config): void {
  const url = new URL(config.publicUrl);
  if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname))
    throw new ConfigError(
      'PUBLIC_URL',
      `must start with https:// in production (one-click unsubscribe, RFC 8058, requires it), got "${config.publicUrl}"`,
    );
  const from = fromDomain(config.mailFrom);
  if (from === 'localhost' || from.endsWith('.localhost') || from.endsWith('.localdomain'))
    throw new ConfigError(
      'MAIL_FROM',
      `must be an address at a real domain in production, got "${config.mailFrom}"`,
    );
  const signing = config.dkim?.domainName.toLowerCase();
  if (signing && !config.dkimAllowUnaligned && from !== signing && !from.endsWith(`.${signing}`))
    throw new ConfigError(
      'DKIM_DOMAIN',
      `must be the From domain (${from}) or a parent of it, or DMARC fails; got "${signing}" (set DKIM_ALLOW_UNALIGNED=true if this is intended)`,
    );
}

/** A From of a bare address gets the site's name (quoted, as RFC 5322 asks of most punctuation). */
function withDisplayName(mailFrom: string, siteName: string): string {
  if (mailFrom.includes('<')) return mailFrom;
  return `"${siteName.replace(/["\\]/g, '\\$&')}" <${mailFrom}>`;
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: RawEnv = process.env): Config {
  const values = readVariables(env);
  const { dkimDomain: _d, dkimSelector: _s, dkimPrivateKey: _k, ...plain } = values;
  const nodeEnv = values.nodeEnv as string;
  const production = nodeEnv === 'production';
  const dataDir = path.resolve(values.dataDir as string);
  const config: Config = {
    ...(plain as Omit<Config, 'publicUrl' | 'outboxEnabled' | 'secretKey' | 'dkim' | 'dataDir'>),
    dataDir,
    publicUrl: (values.publicUrl as string | undefined) ?? `http://localhost:${values.port}`,
    outboxEnabled: (values.outboxEnabled as boolean | undefined) ?? !production,
    metricsPublic: (values.metricsPublic as boolean | undefined) ?? !production,
    docsPublic: (values.docsPublic as boolean | undefined) ?? !production,
    secretKey: secretKey(values.secretKey as string | undefined, nodeEnv, dataDir),
    dkim: dkim(values),
    mailFrom: withDisplayName(values.mailFrom as string, values.siteName as string),
  };
  if (production) checkProduction(config);
  return config;
}

/** How the README shows a variable's default. */
function defaultText(schema: VariableSchema): string {
  return schema.defaultText ?? `\`${String(schema.default)}\``;
}

/** The README's configuration table, one row per variable (or group of variables set together). */
export function configTable(): string {
  const rows = ['| Variable | Default | Meaning |', '|---|---|---|'];
  const seenGroups = new Set<string>();
  for (const [name, schema] of Object.entries(variables)) {
    if (schema.group) {
      if (seenGroups.has(schema.group)) continue;
      seenGroups.add(schema.group);
      const members = Object.entries(variables).filter(([, other]) => other.group === schema.group);
      rows.push(
        `| ${members.map(([member]) => `\`${member}\``).join(', ')} | ${defaultText(schema)} | ${schema.description} |`,
      );
      continue;
    }
    rows.push(`| \`${name}\` | ${defaultText(schema)} | ${schema.description} |`);
  }
  return rows.join('\n');
}
