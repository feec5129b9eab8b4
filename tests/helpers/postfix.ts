import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const POSTFIX = '/usr/sbin/postfix';
const MASTER_CF = '/etc/postfix/master.cf';

/** Whether a real Postfix can run here: Debian's postfix package installed, and root to start it. */
export const postfixAvailable = existsSync(POSTFIX) && existsSync(MASTER_CF) && process.getuid?.() === 0;

export interface Postfix {
  /** Its SMTP port on 127.0.0.1, for SMTP_URL. */
  url: string;
  /** Its mail log so far, for a failing test's message. */
  log(): string;
  stop(): void;
}

function postfix(dir: string, command: string): void {
  const result = spawnSync(POSTFIX, ['-c', dir, command], { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`postfix ${command} failed (${result.status}): ${readLog(dir) || result.stderr}`);
}

function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'maillog'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * A Postfix instance of its own in a temporary folder, listening on 127.0.0.1:port as a relay
 * for 127.0.0.0/8, with `transports` (domain → Postfix transport, e.g. `error:5.1.1 user unknown`
 * to bounce everything for a domain, or `smtp:[127.0.0.1]:2525`) and no DNS. Debian's postfix
 * runs it; the machine's own Postfix, if any, is left alone.
 */
export function startPostfix(port: number, transports: Record<string, string>): Postfix {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-postfix-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'queue'));
  mkdirSync(path.join(dir, 'data'));
  const postfixId = (flag: string) => Number(spawnSync('id', [flag, 'postfix'], { encoding: 'utf8' }).stdout);
  chownSync(path.join(dir, 'data'), postfixId('-u'), postfixId('-g'));
  copyFileSync(MASTER_CF, path.join(dir, 'master.cf'));
  const master = readFileSync(path.join(dir, 'master.cf'), 'utf8').replace(
    /^smtp\s+inet\s.*$/m,
    `127.0.0.1:${port} inet n - n - - smtpd`,
  );
  writeFileSync(path.join(dir, 'master.cf'), master);
  const transportMap = Object.entries(transports)
    // braces keep a value with spaces (an error text) whole
    .map(([domain, transport]) => `{ ${domain} = ${transport} }`)
    .join(', ');
  writeFileSync(
    path.join(dir, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${dir}/data`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = relay.paperboy.test',
      'mydomain = relay.paperboy.test',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'relay_domains =',
      'alias_maps =',
      'alias_database =',
      'smtp_dns_support_level = disabled',
      `transport_maps = inline:{ ${transportMap} }`,
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${dir}/maillog`,
      '',
    ].join('\n'),
  );
  postfix(dir, 'start');
  return {
    url: `smtp://127.0.0.1:${port}`,
    log: () => readLog(dir),
    stop() {
      spawnSync(POSTFIX, ['-c', dir, 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
