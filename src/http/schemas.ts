import { Type } from 'typebox';
import { FREQUENCIES } from '../frequency.ts';

/** Every error the API answers with. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String({ description: 'what went wrong; hidden for 5xx' }),
    field: Type.Optional(Type.String({ description: 'the input field at fault, for 400' })),
    requestId: Type.Optional(Type.String({ description: 'for 5xx: quote it when reporting the problem' })),
  },
  { $id: 'ErrorResponse' },
);

export const TokenParams = Type.Object({
  token: Type.String({ maxLength: 200, description: 'a link token from a Paperboy mail' }),
});

export const HtmlPage = Type.String({ description: 'an HTML page' });

export const errorResponses = {
  400: ErrorResponse,
  // a browser's post from another site's page (src/http/same-origin.ts)
  403: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  // the database cannot be reached for now: try again after Retry-After
  503: ErrorResponse,
};

export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);
export const SubscriberId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: "the subscriber's id (a uuid)",
});
export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
export const FrequencySchema = Type.Union(FREQUENCIES.map((f) => Type.Literal(f)));

/** A value as its JSON answer will carry it: dates become ISO strings (the schemas say date-time). */
export type Jsonified<T> = T extends Date
  ? string
  : T extends Array<infer U>
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;
export const jsonified = <T>(value: T): Jsonified<T> => JSON.parse(JSON.stringify(value));

export const notFound = (message: string) => ({ statusCode: 404, error: 'Not Found', message });
