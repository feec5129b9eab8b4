import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/**
 * The two routes that read multipart/form-data (the one-click unsubscribe, which RFC 8058 lets
 * a mail provider post that way, and the console's CSV import) read it the same way: Fastify
 * reads the whole body first, within the route's body limit (413 beyond it, and nothing past the
 * limit is read); busboy then parses that buffer within the route's own limits, and any limit
 * reached refuses the whole body with a 400 naming `field`. @fastify/multipart is not used: it
 * reads the request itself, outside the body limit.
 */
export interface MultipartRules {
  /** The input field a refusal names. */
  field: string;
  /** What the form is, for the refusals: "has more parts than <what>". */
  what: string;
  limits: {
    parts: number;
    fields: number;
    fieldNameSize: number;
    fieldSize: number;
    /** 0: the form has no file; otherwise 1, posted as `fileField`. */
    files: 0 | 1;
    fileField?: string;
    fileSize?: number;
  };
}

export interface MultipartBody {
  fields: Record<string, string>;
  /** Where @fastify/csrf-protection looks for the form's token. */
  _csrf?: string;
  /** The file's bytes; empty when the form has none or came without one. */
  file: Buffer;
}

const MIB = 1024 * 1024;

function parseMultipart(
  request: FastifyRequest,
  body: Buffer,
  rules: MultipartRules,
): Promise<MultipartBody> {
  const { limits, what } = rules;
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null);
    const chunks: Buffer[] = [];
    const refuse = (why: string) => reject(new ValidationError(rules.field, why));
    const noFiles = 'must not contain files';
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits });
    } catch {
      return refuse('is not multipart/form-data with a boundary');
    }
    parser.on('field', (name: string, value: string, nameTruncated: boolean, valueTruncated: boolean) => {
      if (nameTruncated || valueTruncated) return refuse(`has a form field too long for ${what} (${name})`);
      fields[name] = value;
    });
    parser.on('file', (name: string, stream: NodeJS.ReadableStream) => {
      if (limits.files === 0) return refuse(noFiles);
      if (name !== limits.fileField)
        return refuse(`must send its file as the field "${limits.fileField}", not "${name}"`);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(`has a file larger than ${(limits.fileSize ?? 0) / MIB} MiB`));
    });
    parser.on('partsLimit', () => refuse(`has more parts than ${what}`));
    parser.on('fieldsLimit', () => refuse(`has more fields than ${what}`));
    parser.on('filesLimit', () => refuse(limits.files === 0 ? noFiles : 'must hold one file'));
    parser.on('error', () => refuse('is not valid multipart/form-data'));
    parser.on('finish', () => resolve({ fields, _csrf: fields._csrf, file: Buffer.concat(chunks) }));
    parser.end(body);
  });
}

/**
 * Registers the multipart parser in the (encapsulated) scope of the one route that reads it;
 * `shape` makes the route's body of what was read (the fields alone, for a form without a file).
 */
export function acceptMultipart<Body>(
  scope: Pick<FastifyInstance, 'addContentTypeParser'>,
  rules: MultipartRules,
  shape: (parsed: MultipartBody) => Body,
): void {
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    parseMultipart(request, body as Buffer, rules).then(
      (parsed) => done(null, shape(parsed)),
      (error: Error) => done(error, undefined),
    );
  });
}
