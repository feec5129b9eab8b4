// `npm install` (scripts/prepare.js) runs this, from dist/ once TypeScript is compiled, or from
// src/ through tsx where it is not installed: MJML compiles every mail template listed by its
// owner, with slots for its values, into dist/compiled-mail.json (compiled-mail.ts), so that no
// process loads MJML.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  COMPILED_MAIL_FILE,
  type CompiledMailFile,
  compiledMailKey,
  mailTemplatesHash,
} from './compiled-mail.ts';
import { DIGEST_FRAME_TEMPLATES } from './digest/render.ts';
import { CONFIRMATION_TEMPLATES } from './subscribers/confirmation-mail.ts';
import { renderMail } from './templates.ts';

const file: CompiledMailFile = { templates: mailTemplatesHash(), compiled: {} };
for (const template of [...DIGEST_FRAME_TEMPLATES, ...CONFIRMATION_TEMPLATES])
  file.compiled[compiledMailKey(template)] = await renderMail(template.name, template.data);
mkdirSync(fileURLToPath(new URL('.', COMPILED_MAIL_FILE)), { recursive: true });
writeFileSync(COMPILED_MAIL_FILE, JSON.stringify(file));
console.log(
  `paperboy: compiled ${Object.keys(file.compiled).length} mail templates into ${fileURLToPath(COMPILED_MAIL_FILE)}`,
);
