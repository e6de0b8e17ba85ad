/** How an engine quotes identifiers: PostgreSQL `"name"`, MySQL `` `name` ``. */
export type IdentifierQuote = '"' | '`';

/**
 * A plain SQL identifier: letters, digits, `_` and `$`, not starting with a
 * digit or `$`, at most 63 characters (PostgreSQL's NAMEDATALEN - 1; MySQL
 * allows 64). Deliberately narrower than what quoting allows: a table or
 * column name that needs quoting to be read is refused rather than guessed.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Quotes a table (`table` or `schema.table`) or column name for `quote`'s
 * engine; `undefined` when the name is not one (the caller refuses the call).
 */
export function quoteIdentifier(name: string, quote: IdentifierQuote, allowSchema: boolean): string | undefined {
  const parts = name.split('.');
  if (parts.length > (allowSchema ? 2 : 1) || !parts.every((part) => IDENTIFIER.test(part))) return undefined;
  return parts.map((part) => `${quote}${part}${quote}`).join('.');
}
