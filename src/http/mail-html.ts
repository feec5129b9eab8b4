import type { FastifyReply } from 'fastify';

/**
 * Answers with a mail's own HTML for an iframe: no scripts, no same-origin powers, only inline
 * styles and images; its links open as in a mail client, in the whole window when clicked.
 */
export function sendMailHtml(reply: FastifyReply, html: string): FastifyReply {
  reply.header(
    'content-security-policy',
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'",
  );
  return reply
    .type('text/html; charset=utf-8')
    .send(html.replace(/<head([^>]*)>/i, '<head$1><base target="_top">'));
}
