import type { FastifyReply } from 'fastify';
import { renderPage } from '../templates.ts';

/** Answers with a page of templates/pages. */
export function sendPage(reply: FastifyReply, status: number, name: string, data: object): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(renderPage(name, data));
}
