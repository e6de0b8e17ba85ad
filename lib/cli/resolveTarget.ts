import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_TOKEN_FILE } from '../embedded/runtime/resolveApiToken.js';
import { CliUsageProblem } from './CliError.js';

/** The options every command that calls the platform API takes. */
export interface TargetOptions {
  url?: string;
  token?: string;
  dataDir?: string;
  aws?: boolean;
  region?: string;
}

/**
 * Who the CLI talks to and how it proves who it is:
 * - `bearer`: the embedded runtime's control-plane token (`token` undefined when none was found; the API answers 401);
 * - `sigv4`: AWS Signature V4 for the IAM-authorized API (service `execute-api`), credentials from the standard chain.
 */
export type Target =
  | { kind: 'bearer'; url: string; token: string | undefined; tokenSource: string }
  | { kind: 'sigv4'; url: string; region: string };

/** `https://{id}.execute-api.{region}.amazonaws.com[/stage]`: the region is in the host name. */
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i;

/**
 * Resolves the target from the options and the environment:
 * - URL: `--url`, else `SLUICE_URL`, else `http://127.0.0.1:${PORT || 3000}` (the embedded runtime's default);
 * - with `--aws` or an `*.execute-api.<region>.amazonaws.com` URL: SigV4, region from `--region`,
 *   the URL, `AWS_REGION` or `AWS_DEFAULT_REGION`;
 * - else a bearer token: `--token`, `SLUICE_API_TOKEN`, or the `api-token` file of the data directory
 *   (`--data-dir`, `SLUICE_DATA_DIR`, `.sluice`), read and never created.
 *
 * @throws {CliUsageProblem} a malformed URL, or SigV4 without a region
 */
export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv, cwd: string): Target {
  const text = options.url ?? nonEmpty(env.SLUICE_URL) ?? `http://127.0.0.1:${nonEmpty(env.PORT) ?? '3000'}`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (cause) {
    throw new CliUsageProblem(`invalid URL '${text}' (from ${options.url !== undefined ? '--url' : 'SLUICE_URL'}): expected http(s)://host[:port][/base]`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliUsageProblem(`invalid URL '${text}': only http and https are supported`);
  const url = text.replace(/\/+$/, '');

  const fromHost = EXECUTE_API_HOST.exec(parsed.hostname)?.[1];
  if (options.aws || fromHost !== undefined) {
    const region = options.region ?? fromHost ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
    if (!region) throw new CliUsageProblem('SigV4 needs a region: give --region, or set AWS_REGION');
    return { kind: 'sigv4', url, region };
  }

  if (options.token !== undefined) return { kind: 'bearer', url, token: options.token, tokenSource: '--token' };
  const fromEnv = nonEmpty(env.SLUICE_API_TOKEN);
  if (fromEnv !== undefined) return { kind: 'bearer', url, token: fromEnv, tokenSource: 'SLUICE_API_TOKEN' };
  const file = join(resolve(cwd, options.dataDir ?? nonEmpty(env.SLUICE_DATA_DIR) ?? '.sluice'), API_TOKEN_FILE);
  return { kind: 'bearer', url, token: readToken(file), tokenSource: file };
}

function readToken(file: string): string | undefined {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    // Absent or unreadable: the request goes without a token and the 401 says how to give one.
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
