import { Type } from 'typebox';

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
