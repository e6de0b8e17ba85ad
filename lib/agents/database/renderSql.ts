import { isSqlStatement, type SqlStatement } from '../../core/agents/DatabaseAgent.js';

/** How an engine writes bound parameters: PostgreSQL `$1, $2...`, MySQL `?`. */
export type PlaceholderStyle = '$n' | '?';

/** A statement as the driver takes it: text with placeholders, and the values they bind. */
export interface RenderedSql {
  text: string;
  values: unknown[];
}

/**
 * Turns an agent call's `(statement, params)` into driver input: a string is
 * used as written with `params` (the engine's native style); a `sql`-tagged
 * statement gets one placeholder per value in `style`, so its values are
 * bound, never spliced into the text.
 *
 * @throws TypeError  a `sql` statement with `params` as well (ambiguous)
 */
export function renderSql(statement: string | SqlStatement, params: readonly unknown[] | undefined, style: PlaceholderStyle): RenderedSql {
  if (!isSqlStatement(statement)) return { text: statement, values: params === undefined ? [] : [...params] };
  if (params !== undefined && params.length > 0) throw new TypeError('a sql`...` statement carries its own values: pass no params');
  let text = statement.strings[0] ?? '';
  for (let i = 1; i < statement.strings.length; i++) text += (style === '$n' ? `$${i}` : '?') + statement.strings[i];
  return { text, values: [...statement.values] };
}
