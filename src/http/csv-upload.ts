import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/** The largest CSV the console takes by upload (a list of about 100,000 addresses with preferences). */
export const CSV_UPLOAD_LIMIT_BYTES = 16 * 1024 * 1024;

/** A form post with one CSV file (`file`) and a few short fields (`_csrf`, check boxes). */
export interface CsvUpload {
  fields: Record<string, string>;
  /** Where @fastify/csrf-protection looks for the form's token. */
  _csrf?: string;
  /** The file's bytes; empty when the form came without one. */
  csv: Buffer;
}

const LIMITS = {
  parts: 8,
  fields: 6,
  files: 1,
  fieldNameSize: 100,
  fieldSize: 500,
  fileSize: CSV_UPLOAD_LIMIT_BYTES,
};

function parseUpload(request: FastifyRequest, body: Buffer): Promise<CsvUpload> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null);
    const chunks: Buffer[] = [];
    const refuse = (why: string) => reject(new ValidationError('file', why));
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits: LIMITS });
    } catch {
      return refuse('is not an upload (multipart/form-data with a boundary)');
    }
    parser.on('field', (name: string, value: string, nameTruncated: boolean, valueTruncated: boolean) => {
      if (nameTruncated || valueTruncated) return refuse(`came with a form field too long (${name})`);
      fields[name] = value;
    });
    parser.on('file', (name: string, stream: NodeJS.ReadableStream) => {
      if (name !== 'file') return refuse(`must be sent as the field "file", not "${name}"`);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(`is larger than ${CSV_UPLOAD_LIMIT_BYTES / 1024 / 1024} MiB`));
    });
    parser.on('partsLimit', () => refuse('came with more form parts than an import has'));
    parser.on('filesLimit', () => refuse('must be one file'));
    parser.on('error', () => refuse('is not valid multipart/form-data'));
    parser.on('finish', () => resolve({ fields, _csrf: fields._csrf, csv: Buffer.concat(chunks) }));
    parser.end(body);
  });
}

/**
 * Registers, in the (encapsulated) scope of the console's import route only, a multipart parser
 * that reads one CSV file: Fastify reads the body within the route's own limit first (as for the
 * one-click unsubscribe, @fastify/multipart is not used: it reads outside the body limit).
 */
export function acceptCsvUpload(scope: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    parseUpload(request, body as Buffer).then(
      (upload) => done(null, upload),
      (error: Error) => done(error, undefined),
    );
  });
}
