import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import cron from 'node-cron';
import { type Static, Type } from 'typebox';

/**
 * Every environment variable Paperboy reads, said once: its type, default, limits and
 * meaning. loadConfig() validates against it, the Config type is derived from it, and the
 * configuration table of docs/configuration.md is generated from it (`npm run docs:config`; a test
 * fails when the two disagree). Options beyond JSON Schema, read by loadConfig() and configTable():
 * - `protocols`: a URL variable's allowed schemes;
 * - `format: 'cron' | 'mailbox' | 'address' | 'domain' | 'line' | 'color'`: a node-cron expression, a
 *   From header, a bare address, a domain name, one line of text, a `#rrggbb` colour;
 * - `defaultText`: how that table shows (in Markdown) a default that is computed or means "unset";
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
  SECRET_KEY_PREVIOUS: optionalString({
    defaultText: 'unset',
    description:
      'earlier `SECRET_KEY`s, comma-separated (32+ characters each): links in mail signed with one keep working until their own expiry; new links use `SECRET_KEY` (README "Rotating SECRET_KEY")',
  }),
  ADMIN_TOKEN: optionalString({
    minLength: 16,
    defaultText: 'unset (console and admin API off)',
    description:
      '16+ characters (production: 32+ and 100+ bits, see Configuration); signs the operator in to the console at `/admin`, and `Authorization: Bearer …` for `/api/admin/*`; unset, both answer 404',
  }),
  WEBHOOK_SECRET: optionalString({
    minLength: 16,
    defaultText: 'unset (webhook off)',
    description:
      '16+ characters (production: as `ADMIN_TOKEN`); `Authorization: Bearer …` for `/api/webhooks/delivery-events`',
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
    description:
      "when workers ingest yesterday's and today's papers, and those of the past week's weekdays whose edition is empty (UTC)",
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description:
      'behind reverse proxies, which `X-Forwarded-For` entries to trust: the number of proxies in front of Paperboy (`1`), or their addresses (`10.0.0.2`, `10.0.0.0/8`, `loopback`; comma-separated); `true` is refused (any client could pick its own address, and rate-limit key)',
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
    description:
      "when workers build and fan out the past week's daily editions, last week's weekly one and last month's monthly one (UTC)",
  }),
  EDITION_MAX_WAIT_HOURS: Type.Integer({
    minimum: 0,
    maximum: 168,
    default: 6,
    description:
      "how long after its day ends (UTC) a daily edition waits for an ingest of that day to succeed, before it is built from what is stored: 6 h is 12 of the worker's ingests, enough to ride out a typical outage, and still builds it by 06:00 UTC, before 07:00 in Europe's morning",
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
  SHUTDOWN_GRACE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 30,
    description:
      'how long a stopping worker waits for the relay to answer the sends in flight before handing their deliveries back to the queue',
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
type Derived =
  | 'PUBLIC_URL'
  | 'OUTBOX_ENABLED'
  | 'METRICS_PUBLIC'
  | 'DOCS_PUBLIC'
  | 'SECRET_KEY'
  | 'TRUST_PROXY'
  | 'SECRET_KEY_PREVIOUS'
  | DkimName;

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
  /** Earlier SECRET_KEYs: they verify links sent before a rotation. */
  secretKeyPrevious: string[];
  /** Fastify's trustProxy: false, a number of hops, or the proxies' addresses. */
  trustProxy: false | number | string[];
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

// the names proxy-addr (Fastify's trustProxy) gives address ranges
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: which X-Forwarded-For entries name the client. `true` would take the leftmost,
 * which the client writes itself: anyone could choose their own rate-limit key.
 */
function trustProxy(raw: string): Config['trustProxy'] {
  const value = raw.trim().toLowerCase();
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value))
    throw new ConfigError(
      'TRUST_PROXY',
      'true would trust every X-Forwarded-For entry, and a client writes the first one itself (any address, so any rate-limit key); give the number of proxies in front of Paperboy (such as 1) or their addresses (such as 10.0.0.2 or 10.0.0.0/8)',
    );
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError('TRUST_PROXY', `expected 1 to 10 proxies, got ${hops}`);
    return hops;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.split('/');
    const prefix = Number(bits ?? 0);
    const validPrefix =
      bits === undefined || (/^\d{1,3}$/.test(bits) && prefix <= (isIP(address) === 4 ? 32 : 128));
    if (!PROXY_RANGE_NAMES.has(entry) && !(isIP(address) && validPrefix && rest.length === 0))
      throw new ConfigError(
        'TRUST_PROXY',
        `expected false, a number of proxies, or proxy addresses (10.0.0.2, 10.0.0.0/8, loopback), got "${entry}"`,
      );
  }
  return entries;
}

// DNS labels separated by dots: a DKIM selector, a domain
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** RSA keys below this are refused by verifiers (RFC 8301). */
const MIN_DKIM_KEY_BITS = 1024;

/** SECRET_KEY_PREVIOUS: comma-separated keys, each as long as SECRET_KEY must be. */
function previousSecretKeys(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const keys = raw
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  for (const [i, key] of keys.entries())
    if (key.length < 32)
      throw new ConfigError(
        'SECRET_KEY_PREVIOUS',
        `key ${i + 1} has ${key.length} characters; expected at least 32`,
      );
  return keys;
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
  const selector = given.DKIM_SELECTOR as string;
  // a selector is DNS labels (RFC 6376 3.1); anything else would also reach the DKIM-Signature header
  if (!DNS_NAME.test(selector))
    throw new ConfigError(
      'DKIM_SELECTOR',
      `expected DNS labels such as "paperboy" or "s1.mail", got ${JSON.stringify(selector)}`,
    );
  const domain = (given.DKIM_DOMAIN as string).toLowerCase();
  if (!DNS_NAME.test(domain) || !domain.includes('.'))
    throw new ConfigError(
      'DKIM_DOMAIN',
      `expected a domain of two labels or more such as example.org, got ${JSON.stringify(domain)}`,
    );
  let bits: number | undefined;
  try {
    bits = createPrivateKey(privateKey).asymmetricKeyDetails?.modulusLength;
  } catch {
    throw new ConfigError('DKIM_PRIVATE_KEY', 'is not a private key that Node.js can read');
  }
  if (bits !== undefined && bits < MIN_DKIM_KEY_BITS)
    throw new ConfigError(
      'DKIM_PRIVATE_KEY',
      `is a ${bits}-bit key; DKIM needs ${MIN_DKIM_KEY_BITS} bits or more (RFC 8301; 2048 recommended)`,
    );
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

/** PUBLIC_URL is copied into every link in mail: a password, a query or a fragment would be too. */
function checkedPublicUrl(value: string): string {
  const url = new URL(value);
  if (url.username || url.password)
    throw new ConfigError(
      'PUBLIC_URL',
      'must not hold a user name or password: it is copied into every link in mail',
    );
  if (url.search || value.includes('?'))
    throw new ConfigError('PUBLIC_URL', 'must not have a query (?…): links are built by adding paths to it');
  if (url.hash || value.includes('#'))
    throw new ConfigError(
      'PUBLIC_URL',
      'must not have a fragment (#…): links are built by adding paths to it',
    );
  return value;
}

/**
 * Domains mail providers never deliver to or accept mail from (RFC 2606, RFC 6761, RFC 6762):
 * production refuses a MAIL_FROM there.
 */
const RESERVED_TLDS = new Set([
  'localhost',
  'localdomain',
  'local',
  'invalid',
  'test',
  'example',
  'internal',
]);
const RESERVED_DOMAINS = new Set(['example.com', 'example.org', 'example.net']);

/** Why a From domain cannot be used in production, or undefined when it can. */
function unusableFromDomain(domain: string): string | undefined {
  if (domain.startsWith('[') || isIP(domain)) return 'an IP address, not a domain';
  if (domain.endsWith('.')) return 'a domain written with a trailing dot';
  if (!DNS_NAME.test(domain)) return 'not a domain name';
  const labels = domain.split('.');
  if (labels.length < 2) return 'a host name without a domain';
  if (RESERVED_TLDS.has(labels.at(-1) as string))
    return `a reserved name (.${labels.at(-1)}) that never receives mail`;
  if (RESERVED_DOMAINS.has(labels.slice(-2).join('.'))) return 'a domain reserved for examples';
  return undefined;
}

/** What production asks of ADMIN_TOKEN and WEBHOOK_SECRET (README "Configuration"). */
const PRODUCTION_SECRET_RULE = { minLength: 32, minBits: 100 } as const;

/**
 * A secret's entropy as its length times the Shannon entropy of its characters: `aaaa…` scores 0,
 * a word repeated scores little, `openssl rand -hex 32` about 240. An estimate from the string
 * alone, which cannot see a secret that was copied from somewhere: it only refuses the obvious.
 */
function secretBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  let perChar = 0;
  for (const count of counts.values()) perChar -= (count / length) * Math.log2(count / length);
  return length * perChar;
}

function checkSecretStrength(variable: string, secret: string | undefined): void {
  if (secret === undefined) return;
  const { minLength, minBits } = PRODUCTION_SECRET_RULE;
  if ([...secret].length < minLength || secretBits(secret) < minBits)
    throw new ConfigError(
      variable,
      `is too easy to guess for production: it needs ${minLength}+ characters and ${minBits}+ bits (its length times the Shannon entropy of its characters; this one has ${Math.floor(secretBits(secret))}). Try: openssl rand -hex 32`,
    );
}

/**
 * What production refuses, because mail providers would: links over http (RFC 8058 one-click
 * needs https), a From address at localhost, a DKIM signature for a domain that is not the
 * From domain or a parent of it (DMARC alignment; DKIM_ALLOW_UNALIGNED for the unusual case).
 * An http PUBLIC_URL on a loopback host is allowed: a trial on one machine (docker compose),
 * whose links no provider can follow anyway.
 */
function checkProduction(config: Config): void {
  checkSecretStrength('ADMIN_TOKEN', config.adminToken);
  checkSecretStrength('WEBHOOK_SECRET', config.webhookSecret);
  const url = new URL(config.publicUrl);
  if (url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname))
    throw new ConfigError(
      'PUBLIC_URL',
      `must start with https:// in production (one-click unsubscribe, RFC 8058, requires it), got "${config.publicUrl}"`,
    );
  const from = fromDomain(config.mailFrom);
  // a trial on one machine (PUBLIC_URL on loopback, as docker compose starts) sends to a mail catcher
  const trial = LOOPBACK_HOSTS.has(url.hostname);
  const unusable = trial ? undefined : unusableFromDomain(from);
  if (unusable)
    throw new ConfigError(
      'MAIL_FROM',
      `must be an address at a real domain in production, got "${config.mailFrom}" (${unusable})`,
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
    publicUrl: checkedPublicUrl(
      (values.publicUrl as string | undefined) ?? `http://localhost:${values.port}`,
    ),
    outboxEnabled: (values.outboxEnabled as boolean | undefined) ?? !production,
    metricsPublic: (values.metricsPublic as boolean | undefined) ?? !production,
    docsPublic: (values.docsPublic as boolean | undefined) ?? !production,
    secretKey: secretKey(values.secretKey as string | undefined, nodeEnv, dataDir),
    dkim: dkim(values),
    trustProxy: trustProxy(values.trustProxy as string),
    mailFrom: withDisplayName(values.mailFrom as string, values.siteName as string),
    secretKeyPrevious: previousSecretKeys(values.secretKeyPrevious as string | undefined),
  };
  if (production) checkProduction(config);
  return config;
}

/** How the configuration table shows a variable's default. */
function defaultText(schema: VariableSchema): string {
  return schema.defaultText ?? `\`${String(schema.default)}\``;
}

/** The configuration table (docs/configuration.md), one row per variable (or group of variables set together). */
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
