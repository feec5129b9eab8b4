import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { convert } from 'html-to-text';

/**
 * Templates live in templates/: MJML mail under mail/, HTML pages under pages/. Both are
 * filled by Eta with auto-escaping on, so every value is escaped unless a template asks
 * for raw output with <%~ %> (used only to nest one rendered template in another).
 */
const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

/** Where the mail templates are: compiled-mail.ts hashes them to tell a stale compile. */
export const MAIL_TEMPLATES_DIR = path.join(TEMPLATES_DIR, 'mail');

const mailTemplates = new Eta({ views: MAIL_TEMPLATES_DIR, autoEscape: true, cache: true });
const pageTemplates = new Eta({ views: path.join(TEMPLATES_DIR, 'pages'), autoEscape: true, cache: true });

export interface RenderedMail {
  html: string;
  text: string;
}

/**
 * Eta fills the MJML, MJML compiles it to HTML, html-to-text derives the plain-text part.
 * `fonts: {}`: MJML links a Google Fonts stylesheet for any family it knows (Roboto is in our
 * font stack), which would tell Google about every reader who opens a mail. The layout has no
 * mj-preview either: MJML hides it with white 1px text, which spam filters score as hidden text.
 */
/** MJML is loaded the first time a mail is compiled: most commands never compile one. */
type Mjml = typeof import('mjml');
let mjml: Promise<Mjml> | undefined;
const loadMjml = (): Promise<Mjml> => {
  // mjml is CommonJS: import() gives its module.exports as `default`
  mjml ??= import('mjml').then((module) => (module as unknown as { default: Mjml }).default);
  return mjml;
};

export async function renderMail(name: string, data: object): Promise<RenderedMail> {
  const source = mailTemplates.render(name, data);
  const mjml2html = await loadMjml();
  const { html, errors } = await mjml2html(source, {
    validationLevel: 'strict',
    keepComments: false,
    fonts: {},
  });
  if (errors.length > 0) {
    throw new Error(
      `Mail template ${name} is not valid MJML: ${errors.map((e) => e.formattedMessage ?? e.message).join('; ')}`,
    );
  }
  // MJML indents its output for people to read; mail clients do not need it, and Gmail clips a
  // message's HTML beyond 102 KB. A line break and the indentation after it render as one space,
  // as a line break alone does (the mail holds no <pre>).
  const compact = html.replace(/\n\s+/g, '\n');
  return { html: compact, text: htmlToText(compact) };
}

/**
 * A piece of HTML for a mail, filled by Eta without MJML, with its plain text: for parts set into
 * a compiled MJML frame afterwards (a digest's paper cards), which MJML would pass through as they
 * are inside an mj-text anyway.
 */
export function renderMailPart(name: string, data: object): RenderedMail {
  const html = mailTemplates.render(name, data).replace(/\n\s+/g, '\n');
  return { html, text: htmlToText(html) };
}

function htmlToText(html: string): string {
  return convert(html, {
    // mail clients wrap plain text themselves; hard wraps would split titles and links
    wordwrap: false,
    selectors: [
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'img', format: 'skip' },
      { selector: 'title', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
}

export function renderPage(name: string, data: object): string {
  return pageTemplates.render(name, data);
}
