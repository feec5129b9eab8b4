/**
 * Characters no paper's text needs and that break what Paperboy makes of it: C0 controls except
 * tab and newline (NUL is refused by PostgreSQL's jsonb and text; BEL or ESC make XML, the Atom
 * feed, ill-formed), DEL, C1 controls, and the bidirectional embeddings, overrides, isolates and
 * marks (U+202E can make a subject or a link read backwards). Written by hand: it is one
 * character class, and no maintained package strips exactly this set.
 */
const UNWANTED = /(?![\t\n])\p{Cc}|\p{Bidi_Control}/gu;

/** Half of a surrogate pair without its other half: PostgreSQL's jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text without unwanted characters; a lone UTF-16 surrogate becomes U+FFFD, CR LF a newline. */
function stripUnwantedCharacters(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(/\r\n?/g, '\n').replace(UNWANTED, '');
}

/** A parsed JSON value with every string in it (keys included) stripped. */
export function stripUnwantedInJson(value: unknown): unknown {
  if (typeof value === 'string') return stripUnwantedCharacters(value);
  if (Array.isArray(value)) return value.map(stripUnwantedInJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [stripUnwantedCharacters(key), stripUnwantedInJson(inner)]),
    );
  }
  return value;
}
