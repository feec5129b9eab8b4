import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/**
 * RFC 8058 lets a mail provider post its one-click unsubscribe as multipart/form-data, so the
 * one-click route, and only it, reads multipart. Fastify reads the whole body first, within
 * the same body limit as every other content type (413 beyond it, and nothing past the limit is
 * read); busboy then parses that buffer with room for the one field the standard sends.
 * @fastify/multipart is not used: it reads the request itself, outside the body limit.
 */
const ONE_CLICK_LIMITS = { parts: 4, fields: 4, files: 0, fieldNameSize: 100, fieldSize: 200 };

function parseMultipart(request: FastifyRequest, body: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null);
    const refuse = (why: string) => reject(new ValidationError('body', why));
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits: ONE_CLICK_LIMITS });
    } catch {
      return refuse('is not valid multipart/form-data (missing or bad boundary)');
    }
    parser.on('field', (name: string, value: string, nameTruncated: boolean, valueTruncated: boolean) => {
      if (nameTruncated || valueTruncated) return refuse('has a field too long for a one-click unsubscribe');
      fields[name] = value;
    });
    parser.on('file', () => refuse('must not contain files'));
    parser.on('partsLimit', () => refuse('has more parts than a one-click unsubscribe'));
    parser.on('fieldsLimit', () => refuse('has more fields than a one-click unsubscribe'));
    parser.on('filesLimit', () => refuse('must not contain files'));
    parser.on('error', () => refuse('is not valid multipart/form-data'));
    parser.on('finish', () => resolve(fields));
    parser.end(body);
  });
}

/** Registers the multipart parser in the (encapsulated) scope of the one-click route. */
export function acceptOneClickMultipart(scope: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    parseMultipart(request, body as Buffer).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });
}
