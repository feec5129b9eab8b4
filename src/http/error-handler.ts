import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { ValidationError } from '../errors.ts';
import { sendPage } from './page.ts';

interface AjvError {
  instancePath: string;
  message?: string;
  params: { missingProperty?: string };
}

/** The input field an ajv validation error is about: "/deliveryHour" → "deliveryHour". */
function fieldOf(error: AjvError): string {
  return error.params.missingProperty ?? error.instancePath.split('/')[1] ?? '';
}

/** A browser posting a form gets a page back; everything else gets JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  const accept = request.headers.accept ?? '';
  return (
    (type.startsWith('application/x-www-form-urlencoded') ||
      type.startsWith('multipart/form-data') ||
      request.method === 'GET') &&
    accept.includes('text/html')
  );
}

/** What the caller is told about an error: status, message, and the input field at fault. */
export function describeError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): { statusCode: number; message: string; field: string | undefined } {
  let statusCode = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  let message = error.message;
  let field: string | undefined;
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0] as AjvError;
    field = fieldOf(first);
    statusCode = 400;
    message = field
      ? `${field}: ${first.message ?? 'is not valid'}`
      : (first.message ?? 'request is not valid');
  } else if (error instanceof ValidationError) {
    field = error.field;
    statusCode = 400;
  } else if (isDatabaseUnavailable(error)) {
    // not a bug of ours: the database is away for now; say so, and when to try again
    request.log.warn({ err: error }, 'database unavailable');
    statusCode = 503;
    message = 'The service is unavailable for a moment. Please try again shortly.';
    reply.header('retry-after', '10');
  }
  if (statusCode >= 500 && statusCode !== 503) {
    request.log.error({ err: error }, 'request failed');
    message = 'Something went wrong on our side. Please try again later.';
  }
  return { statusCode, message, field };
}

/**
 * One error handler for the whole app: 4xx messages are shown to the caller (naming the field
 * for bad input); 5xx are logged with the request id and answered without details.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { statusCode, message, field } = describeError(error, request, reply);
  const body = {
    statusCode,
    error: reasonPhrase(statusCode),
    message,
    ...(field ? { field } : {}),
    ...(statusCode >= 500 ? { requestId: String(request.id) } : {}),
  };
  reply.status(statusCode);
  if (wantsHtml(request)) {
    return sendPage(reply, statusCode, 'message', { title: body.error, message, requestId: body.requestId });
  }
  return reply.send(body);
}

function reasonPhrase(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}
