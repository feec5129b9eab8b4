/**
 * Input a caller got wrong: shown to them as a 400 naming the field. Rooms throw it; the
 * HTTP error handler and the CLI turn it into a message.
 */
export class ValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    /** What is wrong with it, without the field's name. */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ValidationError';
  }
}
