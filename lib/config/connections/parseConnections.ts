import * as z from 'zod';
import type { AgentKind } from '../../core/agents/AgentConnection.js';
import { ConfigError } from '../../core/errors.js';
import { closestName } from '../knownKeys.js';
import { isPlainObject } from '../VariableResolver.js';

/** One connection type Sluice knows: the agent it gives and the schema of its settings. */
export interface ConnectionType {
  kind: AgentKind;
  /** Validates `{ type, ...settings }`; strict (unknown keys are issues). */
  schema: z.ZodType;
}

/**
 * A connection of `custom.sluice.connections`, validated. `settings` still
 * holds its secret references (`{ env | ssm | secretsManager }`): each
 * runtime resolves them where it runs (see `secretRef.ts`), so no resolved
 * credential is ever part of the manifest, the template or the bundle.
 */
export interface ConnectionDeclaration {
  name: string;
  type: string;
  kind: AgentKind;
  /** The validated settings, `type` included. */
  settings: Record<string, unknown>;
}

/** Names code refers to (`ctx.db('warehouse')`): short, and safe in logs, IAM statement ids and file names. */
const CONNECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * Reads `custom.sluice.connections`: `NAME: { type, ...settings }`.
 *
 * @param raw   the value under `custom.sluice.connections` (undefined: none)
 * @param types the connection types, by `type`
 * @throws {ConfigError} naming the connection (`custom.sluice.connections.<name>`)
 *   for a bad name, a missing or unknown `type` (with the closest valid one),
 *   an unknown setting or an invalid value
 */
export function parseConnections(raw: unknown, types: Readonly<Record<string, ConnectionType>>): ConnectionDeclaration[] {
  const base = 'custom.sluice.connections';
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) throw new ConfigError(`${base} must be a map of NAME: { type, ...settings }`);
  const typeNames = Object.keys(types);
  return Object.entries(raw).map(([name, value]) => {
    const place = `${base}.${name}`;
    if (!CONNECTION_NAME.test(name)) {
      throw new ConfigError(`${place}: a connection name starts with a letter and has at most 64 letters, digits, '-' or '_'`);
    }
    if (!isPlainObject(value)) throw new ConfigError(`${place} must be a map with a 'type' (${typeNames.join(', ')})`);
    const type = value.type;
    if (typeof type !== 'string' || !Object.hasOwn(types, type)) {
      const suggestion = typeof type === 'string' ? closestName(type, typeNames) : undefined;
      const shown = type === undefined ? 'is missing' : `${JSON.stringify(type)} is not a connection type`;
      throw new ConfigError(`${place}.type ${shown}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; valid types: ${typeNames.join(', ')}`);
    }
    const connectionType = types[type]!;
    const parsed = connectionType.schema.safeParse(value);
    if (!parsed.success) throw new ConfigError(`${place} is invalid:\n${describeIssues(parsed.error, place)}`, { cause: parsed.error });
    return { name, type, kind: connectionType.kind, settings: parsed.data as Record<string, unknown> };
  });
}

/**
 * The connections function `functionName` lists in `sluice.connections`,
 * checked against the declared ones.
 *
 * @throws {ConfigError} naming the function and the unknown connection (with the closest declared name)
 */
export function assertGrantedConnections(granted: readonly string[], declared: readonly ConnectionDeclaration[], functionName: string): void {
  const names = declared.map((connection) => connection.name);
  const seen = new Set<string>();
  for (const name of granted) {
    const place = `functions.${functionName}.sluice.connections`;
    if (seen.has(name)) throw new ConfigError(`${place}: '${name}' is listed twice`);
    seen.add(name);
    if (!names.includes(name)) {
      const suggestion = closestName(name, names);
      throw new ConfigError(
        `${place}: no connection '${name}' in custom.sluice.connections${suggestion ? ` (did you mean '${suggestion}'?)` : ''}${names.length > 0 ? `; declared: ${names.join(', ')}` : ''}`,
      );
    }
  }
}

/** zod's issues as `place.path: message` lines; an unknown key gets the closest valid one. */
function describeIssues(error: z.ZodError, place: string): string {
  return error.issues
    .map((issue) => {
      const path = [place, ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `- ${path}: unknown key '${key}'`).join('\n');
      }
      if (issue.code === 'invalid_union' && issue.path.length > 0) {
        return `- ${path}: ${unionMessage(issue)}`;
      }
      return `- ${path}: ${issue.message}`;
    })
    .join('\n');
}

/** A setting that may be a string or a secret reference: say what it takes rather than zod's union report. */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const inner = issue.errors.flat().map((sub) => sub.message);
  const specific = inner.find((message) => !/^Invalid input|expected (string|object)/i.test(message));
  return specific ?? 'expected a string, or a secret reference { env | ssm | secretsManager }';
}
