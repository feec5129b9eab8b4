import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.ts';

/** The first field (dotted path) of a parsed input whose text holds a NUL, if any. */
function fieldWithNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'input' : undefined;
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return path || 'input';
    const found = fieldWithNul(inner, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * PostgreSQL cannot store or compare text holding NUL (U+0000): a query with one fails with
 * 22021, which would be a 500. No field of Paperboy has a use for it, so every request whose
 * parameters, query or body holds one is refused with a 400 naming the field, before any route
 * runs. Other control characters reach the routes, which refuse them where a field forbids them.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field =
      fieldWithNul(request.params, '') ?? fieldWithNul(request.query, '') ?? fieldWithNul(request.body, '');
    if (field) throw new ValidationError(field, 'must not contain a NUL character (U+0000)');
  });
}
