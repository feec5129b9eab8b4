import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, CONFIG_TABLE_END, CONFIG_TABLE_START } from '../scripts/config-doc.ts';
import { ConfigError, ConfigSchema, configTable, loadConfig } from '../src/config.ts';
import { TEST_SECRET_KEY } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';

const base = { SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: '/tmp/paperboy-config-test' };

describe('configuration', () => {
  it('has defaults that need no configuration', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      smtpUrl: undefined,
      hfApiUrl: 'https://huggingface.co',
      outboxEnabled: true,
    });
  });

  it.each([
    ['PORT', 'abc', /PORT: expected a whole number from 0 to 65535, got "abc"/],
    ['PORT', '70000', /PORT: expected a whole number/],
    ['DATABASE_URL', 'mysql://localhost/db', /DATABASE_URL: expected a URL starting with postgres:\/\//],
    ['SMTP_URL', 'localhost:25', /SMTP_URL: expected a URL starting with smtp:\/\/ or smtps:\/\//],
    ['PUBLIC_URL', 'paperboy.example.org', /PUBLIC_URL: expected a URL/],
    ['SECRET_KEY', 'short', /SECRET_KEY: expected at least 32 characters/],
    ['OUTBOX_ENABLED', 'maybe', /OUTBOX_ENABLED: expected true or false/],
    ['MAIL_FROM', 'nobody', /MAIL_FROM: expected an address/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of/],
  ])('names %s when it is %s', (variable, value, message) => {
    expect(() => loadConfig({ ...base, [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [variable]: value })).toThrow(message);
  });

  it('requires SECRET_KEY in production and turns the outbox off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: base.DATA_DIR })).toThrow(
      /SECRET_KEY: must be set in production/,
    );
    const production = { ...base, NODE_ENV: 'production', MAIL_FROM: 'digest@paperboy-news.net' };
    expect(loadConfig(production).outboxEnabled).toBe(false);
    expect(loadConfig({ ...production, OUTBOX_ENABLED: 'true' }).outboxEnabled).toBe(true);
  });

  it('stops the command with exit code 1 and a message naming the variable', async () => {
    const result = await runCli(['migrate'], { PORT: 'abc', DATA_DIR: base.DATA_DIR });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Configuration error: PORT: expected a whole number from 0 to 65535, got "abc"',
    );
  });

  it('refuses `paperboy inbound` without INBOUND_DOMAIN before any database is created', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-inbound-'));
    try {
      const result = await runCli(['inbound'], { SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('INBOUND_DOMAIN: must be set for the inbound listener');
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is documented as the schema says: the table in docs/configuration.md and .env.example', () => {
    const readme = readFileSync(CONFIG_DOC_PATH, 'utf8');
    const table = readme.slice(
      readme.indexOf(CONFIG_TABLE_START) + CONFIG_TABLE_START.length,
      readme.indexOf(CONFIG_TABLE_END),
    );
    expect(table.trim(), 'docs/configuration.md is out of date: run npm run docs:config').toBe(configTable());
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of Object.keys(ConfigSchema.properties)) expect(example).toContain(`# ${name}=`);
  });
});

describe('TRUST_PROXY', () => {
  it('refuses true, saying why', () => {
    for (const value of ['true', 'yes', 'on'])
      expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(
        /TRUST_PROXY: true would trust every X-Forwarded-For entry.*give the number of proxies/,
      );
  });

  it('takes false, a hop count or proxy addresses', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.2, 10.1.0.0/16,loopback' }).trustProxy).toEqual([
      '10.0.0.2',
      '10.1.0.0/16',
      'loopback',
    ]);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '11'])
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: expected/);
  });
});

describe('production', () => {
  const production = {
    ...base,
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://digest.example.org',
    // a domain that could be real: production refuses the example.* ones (RFC 2606)
    MAIL_FROM: 'Paperboy <digest@paperboy-news.net>',
  };
  const pem = (bits: number) =>
    generateKeyPairSync('rsa', { modulusLength: bits })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
  const dkimKey = pem(2048);

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['PUBLIC_URL', { PUBLIC_URL: 'http://digest.example.org' }, /PUBLIC_URL: must start with https:\/\//],
    [
      'MAIL_FROM',
      { MAIL_FROM: 'Paperboy <paperboy@localhost>' },
      /MAIL_FROM: must be an address at a real domain/,
    ],
    ['MAIL_FROM', { MAIL_FROM: undefined }, /MAIL_FROM: must be an address at a real domain/],
    [
      'DKIM_DOMAIN',
      { DKIM_DOMAIN: 'other.example', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY: dkimKey },
      /DKIM_DOMAIN: must be the From domain \(paperboy-news\.net\) or a parent of it/,
    ],
    // the audit's list
    ...[
      '[127.0.0.1]',
      '127.0.0.1',
      'mailhost',
      'localhost.',
      'box.local',
      'x.invalid',
      'example.com',
      'news.example.org',
    ].map((domain): [string, Record<string, string>, RegExp] => [
      'MAIL_FROM',
      { MAIL_FROM: `Paperboy <digest@${domain}>` },
      /MAIL_FROM: must be an address at a real domain in production/,
    ]),
    [
      'DKIM_DOMAIN',
      { DKIM_DOMAIN: 'net', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY: dkimKey },
      /DKIM_DOMAIN: expected a domain of two labels/,
    ],
    [
      'DKIM_PRIVATE_KEY',
      { DKIM_DOMAIN: 'paperboy-news.net', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY: pem(512) },
      /DKIM_PRIVATE_KEY: is a 512-bit key; DKIM needs 1024 bits or more/,
    ],
    [
      'DKIM_SELECTOR',
      { DKIM_DOMAIN: 'paperboy-news.net', DKIM_SELECTOR: 's1\r\nBcc: x', DKIM_PRIVATE_KEY: dkimKey },
      /DKIM_SELECTOR: expected DNS labels/,
    ],
    [
      'PUBLIC_URL',
      { PUBLIC_URL: 'https://digest.paperboy-news.net/?utm=1' },
      /PUBLIC_URL: must not have a query/,
    ],
    [
      'PUBLIC_URL',
      { PUBLIC_URL: 'https://digest.paperboy-news.net/#top' },
      /PUBLIC_URL: must not have a fragment/,
    ],
    [
      'PUBLIC_URL',
      { PUBLIC_URL: 'https://ann:secret@digest.paperboy-news.net' },
      /PUBLIC_URL: must not hold a user name or password/,
    ],
  ])('refuses a deliverability mistake, naming %s', (_name, env, message) => {
    expect(() => loadConfig({ ...production, ...env })).toThrow(message);
  });

  it('accepts what is right, an aligned parent domain, an explicit override, and a loopback trial', () => {
    expect(loadConfig(production).publicUrl).toBe('https://digest.example.org');
    const dkim = { DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY: dkimKey };
    const sub = {
      ...production,
      MAIL_FROM: 'digest@news.paperboy-news.net',
      DKIM_DOMAIN: 'paperboy-news.net',
      ...dkim,
    };
    expect(loadConfig(sub).dkim?.domainName).toBe('paperboy-news.net');
    const unaligned = { ...production, DKIM_DOMAIN: 'relay.example', DKIM_ALLOW_UNALIGNED: 'true', ...dkim };
    expect(loadConfig(unaligned).dkim?.domainName).toBe('relay.example');
    // docker compose: production settings tried on one machine
    expect(
      loadConfig({ ...production, PUBLIC_URL: 'http://localhost:3000', MAIL_FROM: 'paperboy@example.org' })
        .mailFrom,
    ).toBe('"Paperboy" <paperboy@example.org>');
    expect(loadConfig({ ...production, PUBLIC_URL: 'http://localhost:3000' }).publicUrl).toBe(
      'http://localhost:3000',
    );
  });

  it.each([
    ['ADMIN_TOKEN', 'aaaaaaaaaaaaaaaa'],
    ['ADMIN_TOKEN', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['ADMIN_TOKEN', 'passwordpasswordpasswordpassword'],
    ['WEBHOOK_SECRET', '0123456789abcdef'],
    ['WEBHOOK_SECRET', 'abababababababababababababababab'],
  ])('refuses a %s that is easy to guess (%s), saying the rule', (variable, value) => {
    expect(() => loadConfig({ ...production, [variable]: value })).toThrow(
      new RegExp(
        `${variable}: is too easy to guess for production: it needs 32\\+ characters and 100\\+ bits`,
      ),
    );
    // outside production the 16-character minimum alone applies
    expect(() => loadConfig({ ...base, [variable]: value })).not.toThrow();
  });

  it('accepts secrets made as the README says', () => {
    const hex = randomBytes(32).toString('hex');
    const base64 = randomBytes(24).toString('base64');
    expect(loadConfig({ ...production, ADMIN_TOKEN: hex, WEBHOOK_SECRET: base64 }).adminToken).toBe(hex);
  });

  it('keeps /metrics and /docs for operators unless opened on purpose', () => {
    expect(loadConfig(production)).toMatchObject({ metricsPublic: false, docsPublic: false });
    expect(loadConfig({ ...production, METRICS_PUBLIC: 'true', DOCS_PUBLIC: 'yes' })).toMatchObject({
      metricsPublic: true,
      docsPublic: true,
    });
    expect(loadConfig(base)).toMatchObject({ metricsPublic: true, docsPublic: true });
  });
});
