import type { SecretRef } from '../core/agents/SecretResolver.js';
import type { ConnectionDeclaration } from '../config/connections/parseConnections.js';
import { isSecretRef, secretRefsIn } from '../config/connections/secretRef.js';
import { ConfigError } from '../core/errors.js';
import { uniqueResources, type PolicyStatement } from './awsIam.js';

/** Settings that hold credentials: written in plain text they would be bundled with the function. */
const CREDENTIAL_KEY = /(password|passphrase|secret|token|privatekey|apikey|credentials?)$/i;

/**
 * Checks `custom.sluice.connections` for AWS, at package time:
 * - the embedded database (`pglite`) has no place on Lambda (no disk that outlives an invocation);
 * - a secret reference needs `ssm` or `secretsManager` (an `env`-only
 *   reference resolves on the embedded runtime only);
 * - a credential written in plain text — a password in a URL, a `password`,
 *   `token`, `clientSecret`... setting given as a string — would be written
 *   into the bundle: refused, naming the setting.
 *
 * @returns warnings (an `fs` connection on Lambda only sees the bundle and /tmp)
 * @throws {ConfigError} naming `custom.sluice.connections.<name>.<setting>`
 */
export function assertAwsConnections(connections: readonly ConnectionDeclaration[]): string[] {
  const warnings: string[] = [];
  for (const connection of connections) {
    const place = `custom.sluice.connections.${connection.name}`;
    const url = connection.settings.url;
    if (connection.type === 'pglite' || (typeof url === 'string' && url.startsWith('pglite:'))) {
      throw new ConfigError(`${place}: the embedded database (pglite) runs on the embedded runtime only; on AWS point the connection at PostgreSQL or MySQL (e.g. url: \${env:WAREHOUSE_URL} set for the deploy)`);
    }
    if (connection.type === 'fs') warnings.push(`${place}: an fs connection on Lambda sees only the function's bundle (read-only) and /tmp (per container); use s3 for shared files`);
    walk(connection.settings, place, (value, path, key) => {
      if (isSecretRef(value)) {
        if (value.ssm === undefined && value.secretsManager === undefined) {
          throw new ConfigError(`${path}: this secret reference has only 'env', which the embedded runtime reads; on AWS add ssm: <parameter name> or secretsManager: <secret id>, resolved at run time`);
        }
        return false;
      }
      if (typeof value !== 'string') return true;
      if (CREDENTIAL_KEY.test(key)) {
        throw new ConfigError(`${path}: a credential written in plain text would be bundled with the function; give a secret reference instead ({ ssm: <parameter> } or { secretsManager: <secret id> }), resolved at run time`);
      }
      if (/[?&][^=&]*(password|passwd|secret|token|key|signature)[^=&]*=/i.test(value) && /^[a-z][a-z0-9+.-]*:/i.test(value)) {
        throw new ConfigError(`${path}: the URL's query string carries a credential, which would be bundled with the function; give it as a secret reference setting instead ({ ssm: ... } or { secretsManager: ... })`);
      }
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(value)) {
        throw new ConfigError(`${path}: the URL carries a password, which would be bundled with the function; remove it from the URL and give 'password' as a secret reference ({ ssm: ... } or { secretsManager: ... })`);
      }
      return true;
    });
  }
  return warnings;
}

/**
 * The IAM statements a function needs for `connections` (those it is
 * granted), nothing on `*`:
 * - `s3`: `s3:ListBucket` on the bucket, limited to the prefix by the
 *   `s3:prefix` condition; object reads, writes and deletes (and multipart
 *   aborts) under `<bucket>/<prefix>*`;
 * - every `ssm` reference: `ssm:GetParameter` on that parameter;
 * - every `secretsManager` reference: `secretsmanager:GetSecretValue` on that
 *   secret (a name matches the ARN's random 6-character suffix).
 * Databases, SFTP, HTTP and SMTP need no IAM (network access is the VPC's and
 * security groups' business).
 */
export function connectionStatements(connections: readonly ConnectionDeclaration[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const parameters: unknown[] = [];
  const secrets: unknown[] = [];
  for (const connection of connections) {
    for (const ref of secretRefsIn(connection.settings)) {
      if (ref.ssm !== undefined) parameters.push(ssmParameterArn(ref.ssm));
      if (ref.secretsManager !== undefined) secrets.push(secretArn(ref.secretsManager));
    }
    if (connection.type === 's3') {
      const bucket = String(connection.settings.bucket);
      const prefix = typeof connection.settings.prefix === 'string' ? connection.settings.prefix.replace(/^\/+/, '') : '';
      statements.push(
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }], ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}) },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
          Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/${prefix}*` }],
        },
      );
    }
  }
  if (parameters.length > 0) statements.push({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: uniqueResources(parameters) });
  if (secrets.length > 0) statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: uniqueResources(secrets) });
  return statements;
}

/** Read access to exactly the SSM parameters and secrets `refs` name (e.g. the OpenLineage API key). */
export function secretRefStatements(refs: readonly SecretRef[]): PolicyStatement[] {
  const parameters = refs.flatMap((ref) => (ref.ssm !== undefined ? [ssmParameterArn(ref.ssm)] : []));
  const secrets = refs.flatMap((ref) => (ref.secretsManager !== undefined ? [secretArn(ref.secretsManager)] : []));
  return [
    ...(parameters.length > 0 ? [{ Effect: 'Allow' as const, Action: ['ssm:GetParameter'], Resource: uniqueResources(parameters) }] : []),
    ...(secrets.length > 0 ? [{ Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: uniqueResources(secrets) }] : []),
  ];
}

/** `/sluice/db-password` or `sluice/db-password` → the parameter's ARN (an ARN is kept). */
function ssmParameterArn(name: string): unknown {
  if (name.startsWith('arn:')) return name;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\/+/, '')}` };
}

/** A secret's name → its ARN pattern (Secrets Manager appends `-` and 6 random characters); an ARN is kept. */
function secretArn(id: string): unknown {
  if (id.startsWith('arn:')) return id;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${id}-??????` };
}

/** Visits every value under `value` (depth first); `visit` returns false to skip a value's children. */
function walk(value: unknown, path: string, visit: (value: unknown, path: string, key: string) => boolean, key = ''): void {
  if (path !== '' && key !== '' && !visit(value, path, key)) return;
  if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}.${index}`, visit, String(index)));
  else if (typeof value === 'object' && value !== null) {
    for (const [childKey, child] of Object.entries(value)) walk(child, `${path}.${childKey}`, visit, childKey);
  }
}
