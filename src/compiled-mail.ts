import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MAIL_TEMPLATES_DIR, type RenderedMail, renderMail } from './templates.ts';

/**
 * Mail templates compiled by MJML without any reader's or edition's values: each value is a slot
 * marker (letters, digits and underscores, which Eta, MJML and html-to-text pass through untouched),
 * set afterwards (`fillSlots`, or the digest renderer's own walk). Such a compile depends on the
 * template alone, so `npm install` does it once (the `prepare` script runs src/compile-mail.ts,
 * which writes dist/compiled-mail.json, also where TypeScript is not installed) and no process
 * loads MJML: that saves a worker about 55 MB and `digest preview` about 0.7 s. The file names
 * the templates it was compiled from by a hash of templates/mail/; when they changed since (a
 * template edited after install), or for a template it does not hold, MJML compiles on first use.
 */
export interface MailTemplate {
  /** The template's file under templates/mail/, without `.eta`. */
  name: string;
  /** Its data: slot markers, and the choices that change the layout (a frequency, a flag). */
  data: Record<string, unknown>;
}

/** A value's marker in a compiled template. */
export const slot = (name: string): string => `PAPERBOY_SLOT_${name}_`;

/** Where `npm install` writes the compiled templates: dist/, whether this module runs from src/ or dist/. */
export const COMPILED_MAIL_FILE = new URL('../dist/compiled-mail.json', import.meta.url);

/** What compiled-mail.json holds: the templates' hash, and each template compiled, by key. */
export interface CompiledMailFile {
  templates: string;
  compiled: Record<string, RenderedMail>;
}

/** A hash of every file under templates/mail/, names and contents. */
export function mailTemplatesHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MAIL_TEMPLATES_DIR).sort())
    hash
      .update(`${name}\0`)
      .update(readFileSync(path.join(MAIL_TEMPLATES_DIR, name)))
      .update('\0');
  return hash.digest('hex');
}

/** The key of a template in the compiled file: its name and exact data, so a changed template never matches. */
export const compiledMailKey = (template: MailTemplate): string =>
  `${template.name}\n${JSON.stringify(template.data)}`;

let built: Map<string, RenderedMail> | undefined;
function builtTemplates(): Map<string, RenderedMail> {
  if (!built) {
    let file: CompiledMailFile | undefined;
    try {
      file = JSON.parse(readFileSync(COMPILED_MAIL_FILE, 'utf8'));
    } catch (error) {
      // never compiled (a checkout without `npm install`): every template compiles on first use
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const current = file?.templates === mailTemplatesHash();
    built = new Map(current && file ? Object.entries(file.compiled) : []);
  }
  return built;
}

/** A template's compiled HTML and text, slots and all: from the build if it has it, else from MJML now. */
export async function compiledMail(template: MailTemplate): Promise<RenderedMail> {
  return builtTemplates().get(compiledMailKey(template)) ?? renderMail(template.name, template.data);
}

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** A compiled template with its slots set: escaped in the HTML, as they are in the text. */
export function fillSlots(compiled: RenderedMail, values: Record<string, string>): RenderedMail {
  // longest first, so a marker that begins another never takes its place
  const markers = Object.keys(values).sort((a, b) => b.length - a.length);
  const pattern = new RegExp(markers.join('|'), 'g');
  return {
    html: compiled.html.replace(pattern, (marker) => escapeHtml(values[marker] as string)),
    text: compiled.text.replace(pattern, (marker) => values[marker] as string),
  };
}
