import { readFileSync } from 'node:fs';
import { type RenderedMail, renderMail } from './templates.ts';

/**
 * Mail templates compiled by MJML without any reader's or edition's values: each value is a slot
 * marker (letters, digits and underscores, which Eta, MJML and html-to-text pass through untouched),
 * set afterwards (`fillSlots`, or the digest renderer's own walk). Such a compile depends on the
 * template alone, so `npm run build` does it once (src/compile-mail.ts writes
 * dist/compiled-mail.json) and a process running from dist/ never loads MJML: that saves a worker
 * about 55 MB and `digest preview` about 0.7 s. Running from the sources, or for a template the
 * build did not compile, MJML compiles it on first use, the same way.
 */
export interface MailTemplate {
  /** The template's file under templates/mail/, without `.eta`. */
  name: string;
  /** Its data: slot markers, and the choices that change the layout (a frequency, a flag). */
  data: Record<string, unknown>;
}

/** A value's marker in a compiled template. */
export const slot = (name: string): string => `PAPERBOY_SLOT_${name}_`;

/** Where the build writes the compiled templates: beside this module, so only in dist/. */
export const COMPILED_MAIL_FILE = new URL('./compiled-mail.json', import.meta.url);

/** The key of a template in the compiled file: its name and exact data, so a changed template never matches. */
export const compiledMailKey = (template: MailTemplate): string =>
  `${template.name}\n${JSON.stringify(template.data)}`;

let built: Map<string, RenderedMail> | undefined;
function builtTemplates(): Map<string, RenderedMail> {
  if (!built) {
    let entries: Record<string, RenderedMail> = {};
    try {
      entries = JSON.parse(readFileSync(COMPILED_MAIL_FILE, 'utf8'));
    } catch (error) {
      // no build (running from the sources): every template compiles on first use
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    built = new Map(Object.entries(entries));
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
