// `npm run build` (scripts/prepare.js) runs this from dist/ once TypeScript is compiled: MJML
// compiles every mail template listed by its owner, with slots for its values, into
// dist/compiled-mail.json (compiled-mail.ts), so no process running from dist/ loads MJML.
import { writeFileSync } from 'node:fs';
import { COMPILED_MAIL_FILE, compiledMailKey } from './compiled-mail.ts';
import { DIGEST_FRAME_TEMPLATES } from './digest/render.ts';
import { CONFIRMATION_TEMPLATES } from './subscribers/confirmation-mail.ts';
import { renderMail } from './templates.ts';

const compiled: Record<string, Awaited<ReturnType<typeof renderMail>>> = {};
for (const template of [...DIGEST_FRAME_TEMPLATES, ...CONFIRMATION_TEMPLATES])
  compiled[compiledMailKey(template)] = await renderMail(template.name, template.data);
writeFileSync(COMPILED_MAIL_FILE, JSON.stringify(compiled));
console.log(
  `paperboy: compiled ${Object.keys(compiled).length} mail templates into ${COMPILED_MAIL_FILE.pathname}`,
);
