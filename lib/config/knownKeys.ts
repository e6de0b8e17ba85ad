import { ConfigError } from '../core/errors.js';

/**
 * Edit distance between two words (insertions, deletions, substitutions and
 * swaps of adjacent letters each cost 1), case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const [s, t] = [a.toLowerCase(), b.toLowerCase()];
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[s.length]![t.length]!;
}

/**
 * The candidate closest to `word`, when it is close enough to be a likely
 * typo: at most a third of the word's length in edits (at least 1), so
 * `timout` -> `timeout` and `retentionDay` -> `retentionDays`, but `foo`
 * suggests nothing. Ties go to the first candidate.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** What {@link assertKnownKeys} knows about one map of settings. */
export interface KeyCatalog {
  /** Keys Sluice reads. */
  readonly used: readonly string[];
  /**
   * Keys the Serverless Framework accepts here that Sluice does not read:
   * with `unsupported`, using one is an error (it would behave differently
   * on the embedded runtime); otherwise it is accepted and reported.
   */
  readonly framework?: readonly string[];
  /** Why a framework key is refused (completes "'timezone' is not supported on Sluice processes: ..."). */
  readonly unsupported?: string;
  /** Framework keys refused one by one, each with its reason (the others in `framework` stay accepted). */
  readonly refused?: Readonly<Record<string, string>>;
}

/**
 * Checks the keys of one map of `serverless.yml` (a function, an event,
 * `custom.sluice`). A key that neither Sluice nor the Serverless Framework
 * knows is an error naming it and the closest valid key: a typo silently
 * ignored is a setting silently not applied (`timout: 3` running with the
 * default 6 s).
 *
 * @param place where the map is, e.g. `functions.report` (used in messages)
 * @returns the framework keys present that Sluice does not read (when the catalog accepts them)
 * @throws {ConfigError} on an unknown key, or on a framework key the catalog marks unsupported
 */
export function assertKnownKeys(value: Record<string, unknown>, catalog: KeyCatalog, place: string): string[] {
  const framework = catalog.framework ?? [];
  const known = [...catalog.used, ...framework];
  // What may be written here: suggest and list only these (a refused framework key is known, not valid).
  const valid = catalog.unsupported !== undefined ? [...catalog.used] : [...catalog.used, ...framework.filter((key) => !(catalog.refused && Object.hasOwn(catalog.refused, key)))];
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const described = unknown.map((key) => {
      const suggestion = closestName(key, valid);
      return `'${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
    });
    throw new ConfigError(`${place}: unknown key${unknown.length > 1 ? 's' : ''} ${described.join(', ')}; valid keys: ${valid.join(', ')}`);
  }
  const refused = Object.keys(value).filter((key) => catalog.refused !== undefined && Object.hasOwn(catalog.refused, key));
  if (refused.length > 0) {
    throw new ConfigError(`${place}: ${refused.map((key) => `'${key}' is not supported on Sluice processes: ${catalog.refused![key]}`).join('; ')}`);
  }
  const unread = Object.keys(value).filter((key) => framework.includes(key));
  if (unread.length > 0 && catalog.unsupported !== undefined) {
    throw new ConfigError(`${place}: ${unread.map((key) => `'${key}'`).join(', ')} not supported on Sluice processes: ${catalog.unsupported} (supported: ${catalog.used.join(', ')})`);
  }
  return unread;
}
