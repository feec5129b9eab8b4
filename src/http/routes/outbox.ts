import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ParsedMail } from 'mailparser';
import { Type } from 'typebox';
import { outboxDir } from '../../delivery/transport.ts';
import { sendMailHtml } from '../mail-html.ts';
import { sendPage } from '../page.ts';
import { HtmlPage } from '../schemas.ts';

const MessageParams = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9_.-]+\\.eml$', maxLength: 200 }),
});
const LISTED = 100;

/** The To line of a parsed mail, as text. */
const recipients = (mail: ParsedMail | undefined) =>
  mail?.to
    ? [mail.to]
        .flat()
        .map((address) => address.text)
        .join(', ')
    : '';

/**
 * The local outbox: with no SMTP_URL every mail is written to DATA_DIR/outbox, and these
 * pages show it, so the zero-config demo can be followed in the browser.
 */
export const outboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const dir = outboxDir(app.services.config);
  const read = async (name: string) => {
    if (name.includes('..')) return undefined;
    try {
      // mailparser is loaded when the outbox is first read: it is most of a second of `serve`'s start
      const { simpleParser } = await import('mailparser');
      return await simpleParser(await readFile(path.join(dir, name)));
    } catch {
      return undefined;
    }
  };

  app.get(
    '/outbox',
    { schema: { summary: 'Mail written to the local outbox', response: { 200: HtmlPage } } },
    async (_request, reply) => {
      const names = (await readdir(dir).catch(() => [] as string[]))
        .filter((name) => name.endsWith('.eml'))
        .sort()
        .reverse();
      const messages = await Promise.all(
        names.slice(0, LISTED).map(async (name) => {
          const mail = await read(name);
          return {
            name,
            subject: mail?.subject ?? '(unreadable)',
            to: recipients(mail),
            date: mail?.date?.toISOString() ?? '',
          };
        }),
      );
      return sendPage(reply, 200, 'outbox', { messages, total: names.length, dir });
    },
  );

  app.get(
    '/outbox/:name',
    {
      schema: {
        summary: 'One message of the outbox',
        params: MessageParams,
        response: { 200: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const mail = await read(request.params.name);
      if (!mail)
        return sendPage(reply, 404, 'message', { title: 'No such message', message: request.params.name });
      return sendPage(reply, 200, 'outbox-message', {
        name: request.params.name,
        subject: mail.subject ?? '',
        to: recipients(mail),
        headers: mail.headerLines.map((line) => line.line),
        text: mail.text ?? '',
        hasHtml: Boolean(mail.html),
      });
    },
  );

  app.get(
    '/outbox/:name/html',
    {
      schema: {
        summary: 'The HTML part of an outbox message, sandboxed',
        params: MessageParams,
        response: { 200: HtmlPage, 404: HtmlPage },
      },
    },
    async (request, reply) => {
      const mail = await read(request.params.name);
      if (!mail?.html) return reply.status(404).type('text/html; charset=utf-8').send('no HTML part');
      return sendMailHtml(reply, mail.html);
    },
  );
};
