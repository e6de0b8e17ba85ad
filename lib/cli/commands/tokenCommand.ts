import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, CliUsageProblem } from '../CliError.js';
import { ExitCode } from '../exitCodes.js';

/** Longest lifetime of a dev token: a day-to-day tool, not a credential to keep. */
const MAX_TTL_SECONDS = 30 * 86_400;

interface TokenOptions {
  config: string;
  stage?: string;
  dataDir?: string;
  authorizer?: string;
  audience?: string;
  scope: string[];
  ttl: number;
  sub: string;
}

/**
 * `sluice token [--scope s ...] [--ttl 1h] [--sub id]`: prints a JWT of the
 * embedded runtime's dev issuer, signed by the dev key of its data directory
 * (`--data-dir`, `SLUICE_DATA_DIR`, `.sluice`: read, never created), for a
 * JWT authorizer of `serverless.yml` (`--config`) whose `issuerUrl` is the
 * dev issuer: `aud` its first audience (or `--audience`). For
 * `curl -H "Authorization: Bearer $(npx sluice token)" ...`.
 *
 * Exit codes: 4 when the data directory holds no dev key (the runtime has
 * not started with this service yet), 64 when the service has no authorizer
 * on the dev issuer (it trusts a real issuer: get tokens there) or cannot be read.
 */
export function tokenCommand(program: Command): void {
  program
    .command('token')
    .description("print a JWT signed by the embedded runtime's dev key, for routes protected by a JWT authorizer on the dev issuer")
    .option('--scope <scope>', 'a scope the token grants (repeat, or space-separated)', collectScopes, [])
    .option('--ttl <duration>', 'lifetime: 90s, 15m, 1h, 7d (at most 30d)', ttlOption, 3600)
    .option('--sub <subject>', 'the subject (sub claim): who the process sees in ctx.payload.auth', notEmptyOption, 'sluice-dev')
    .option('--audience <aud>', "the aud claim (default: the authorizer's first audience)", notEmptyOption)
    .option('--authorizer <name>', 'which JWT authorizer on the dev issuer (needed when there are several)')
    .option('--config <path>', 'the service (default serverless.yml)', 'serverless.yml')
    .option('--stage <stage>', 'the Serverless stage its variables resolve with (env SLUICE_STAGE)')
    .option('--data-dir <dir>', "the embedded runtime's data directory, for its dev key (env SLUICE_DATA_DIR; default .sluice)")
    .action(async (options: TokenOptions) => {
      // Loaded here: reading serverless.yml and signing are this command's alone.
      const [{ loadServiceManifest }, { devIssuerAuthorizers, DEV_ISSUER_URL }, { readDevJwtKey, DevJwtKeyMissingError }, { mintDevToken }] = await Promise.all([
        import('../../config/loadServiceManifest.js'),
        import('../../config/httpAuthorizers.js'),
        import('../../embedded/runtime/resolveDevJwtKey.js'),
        import('../../embedded/runtime/mintDevToken.js'),
      ]);
      const env = process.env;
      const stage = options.stage ?? nonEmpty(env.SLUICE_STAGE);
      let manifest;
      try {
        manifest = await loadServiceManifest({ configPath: resolve(options.config), env, ...(stage ? { stage } : {}) });
      } catch (error) {
        throw new CliUsageProblem(error instanceof Error ? error.message : String(error));
      }
      const candidates = devIssuerAuthorizers(manifest.authorizers, manifest.settings.authorizers);
      const jwt = manifest.authorizers.filter((a) => a.type === 'jwt');
      if (candidates.length === 0) {
        const others = jwt.map((a) => `'${a.name}' trusts ${a.type === 'jwt' ? a.issuerUrl : '?'}`).join('; ');
        throw new CliUsageProblem(`no JWT authorizer of ${options.config} is on the dev issuer ${DEV_ISSUER_URL}${others ? ` (${others}: get its tokens from that issuer)` : ''}`);
      }
      let authorizer = candidates[0]!;
      if (options.authorizer !== undefined) {
        const named = candidates.find((a) => a.name === options.authorizer);
        if (!named) throw new CliUsageProblem(`--authorizer ${options.authorizer}: not a JWT authorizer on the dev issuer (those: ${candidates.map((a) => a.name).join(', ')})`);
        authorizer = named;
      } else if (new Set(candidates.map((a) => a.audience[0])).size > 1) {
        throw new CliUsageProblem(`several JWT authorizers are on the dev issuer (${candidates.map((a) => a.name).join(', ')}): give --authorizer`);
      }
      const dataDir = resolve(options.dataDir ?? nonEmpty(env.SLUICE_DATA_DIR) ?? '.sluice');
      let key;
      try {
        key = readDevJwtKey(dataDir);
      } catch (error) {
        if (error instanceof DevJwtKeyMissingError) throw new CliError(error.message, ExitCode.unauthorized);
        throw new CliUsageProblem(error instanceof Error ? error.message : String(error));
      }
      const token = await mintDevToken(key, { issuer: authorizer.issuerUrl, audience: options.audience ?? authorizer.audience[0]!, subject: options.sub, scopes: options.scope, ttlSeconds: options.ttl });
      process.stdout.write(`${token}\n`);
    });
}

/** `--scope a --scope "b c"` → `[a, b, c]`. */
function collectScopes(value: string, previous: string[]): string[] {
  const scopes = value.split(/[\s,]+/).filter(Boolean);
  if (scopes.length === 0) throw new InvalidArgumentError('expected a scope name');
  return [...previous, ...scopes];
}

/** `--sub ''`, `--audience ''`: a claim no authorizer matches, refused as a bad flag (exit 64) rather than signed. */
function notEmptyOption(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a non-empty value');
  return value;
}

/** `90s`, `15m`, `1h`, `7d` → seconds. */
function ttlOption(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  const seconds = match ? Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TTL_SECONDS)) throw new InvalidArgumentError('expected a duration from 1s to 30d: 90s, 15m, 1h, 7d');
  return seconds;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
