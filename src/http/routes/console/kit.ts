import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { FailedAttempts } from '../../bearer.ts';

/** What a redirect after an action tells the operator: fixed messages, never text from the URL. */
const NOTICES = {
  'signed-out': 'Signed out.',
  'signed-out-everywhere': 'Every console session is ended, on every browser.',
  'confirmation-sent': 'A new confirmation is on its way.',
  'confirmation-not-sent':
    'No confirmation sent: the subscriber is not pending, or the address is suppressed.',
  suppressed: 'The address is suppressed: no more mail goes to it.',
  lifted: 'The suppression is lifted: the address gets mail again from the next edition on.',
  erased: 'The subscriber is erased.',
  built: 'The edition is built.',
  sent: "The edition is fanned out: the worker sends it at each reader's hour (or now, if you asked).",
  ingested: 'The day is ingested.',
  'test-sent': 'A test of this edition is on its way to the address you gave.',
} as const;
export type Notice = keyof typeof NOTICES;

export const NoticeQuery = Type.Object({
  notice: Type.Optional(Type.Union(Object.keys(NOTICES).map((key) => Type.Literal(key)))),
});
export const noticeOf = (query: { notice?: string }) =>
  query.notice ? NOTICES[query.notice as Notice] : undefined;

/** The console's instance: the plugin's own, with the TypeBox type provider. */
export type ConsoleApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** What every console page and action shares, made once by ./index.ts. */
export interface ConsoleKit {
  services: ConsoleApp['services'];
  pool: ConsoleApp['services']['db']['pool'];
  config: ConsoleApp['services']['config'];
  adminToken: string;
  cookieOptions: { path: string; httpOnly: true; sameSite: 'strict'; secure: boolean; signed: true };
  /** A console page (templates/pages/admin/NAME.eta) with its CSRF token. */
  page(reply: FastifyReply, name: string, data: object, status?: number): FastifyReply;
  /** Back to a console address after an action, with a fixed notice. */
  back(reply: FastifyReply, path: string, notice: Notice): FastifyReply;
  /** An action's guards: a live session, then the CSRF token. */
  guarded: { onRequest: ConsoleKit['requireSession']; preHandler: ConsoleApp['csrfProtection'] };
  /** Pages send a stranger to sign in; actions answer 401. */
  requireSession(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** The id of the session the request's cookie names, whether or not it is still live. */
  sessionId(request: FastifyRequest): string | undefined;
  signInFailures: FailedAttempts;
}

/** The body every console action carries: its CSRF token (the form's hidden field). */
export const ActionBody = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) });
