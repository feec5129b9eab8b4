import type { FastifyReply } from 'fastify';
import { renderPage } from '../templates.ts';
import { siteView } from './branding.ts';

/** Answers with a page of templates/pages, in the site's own name and colours (branding.ts). */
export function sendPage(reply: FastifyReply, status: number, name: string, data: object): FastifyReply {
  const site = siteView(reply.server.services.config);
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(renderPage(name, { site, ...data }));
}
