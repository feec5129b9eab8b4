import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

/**
 * One item of `GET /api/daily_papers` as far as Paperboy reads it. Fields it does not use are
 * allowed and ignored; optional fields may be absent or null.
 */
const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

/** PostgreSQL's integer: a count beyond it would fail the whole day's transaction. */
const COUNT = { minimum: 0, maximum: 2_147_483_647 };

export const ApiItem = Type.Object({
  paper: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }),
    title: Type.String({ minLength: 1 }),
    summary: Type.String(),
    authors: Type.Array(Type.Object({ name: Type.String(), hidden: Type.Optional(Type.Boolean()) })),
    upvotes: Type.Integer(COUNT),
    publishedAt: Nullable(Type.String()),
    submittedOnDailyAt: Nullable(Type.String()),
    ai_summary: Nullable(Type.String()),
    ai_keywords: Nullable(Type.Array(Type.String())),
    githubRepo: Nullable(Type.String()),
    githubStars: Nullable(Type.Integer(COUNT)),
    projectPage: Nullable(Type.String()),
    // read leniently by normalize.ts: an odd organisation must not cost the paper
    organization: Type.Optional(Type.Unknown()),
  }),
  organization: Type.Optional(Type.Unknown()),
  numComments: Nullable(Type.Integer(COUNT)),
  thumbnail: Nullable(Type.String()),
});
export type ApiItem = Static<typeof ApiItem>;

/** Why an item is not a paper we can use, in words for a log line; undefined when it is. */
export function describeInvalidItem(item: unknown): string | undefined {
  if (Value.Check(ApiItem, item)) return undefined;
  const first = Value.Errors(ApiItem, item)[0];
  return first ? `${first.instancePath || '(item)'} ${first.message}` : 'does not match the expected shape';
}

/** A label for an item in warnings: its arXiv id when it has one, else its position. */
export function itemLabel(item: unknown, index: number): string {
  const id = (item as { paper?: { id?: unknown } } | null)?.paper?.id;
  return typeof id === 'string' ? `item ${index} (${id})` : `item ${index}`;
}
