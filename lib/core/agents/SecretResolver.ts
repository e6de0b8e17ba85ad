/**
 * A credential in a connection's settings, by reference (the shape of
 * `secretRefSchema` in `lib/config/connections/secretRef.ts`, which checks
 * it): `env` for the embedded runtime, `ssm` or `secretsManager` (+ `json`,
 * one key of a JSON secret) on AWS.
 */
export interface SecretRef {
  env?: string;
  ssm?: string;
  secretsManager?: string;
  json?: string;
}

/**
 * Turns a {@link SecretRef} into the credential's value, when a runtime
 * builds its connections (embedded: from the environment; AWS: from SSM
 * Parameter Store or Secrets Manager, cached per container).
 *
 * `place` is where the reference sits, for error messages
 * (`custom.sluice.connections.warehouse.password`). Errors name the place
 * and the variable/parameter/secret, never a value.
 */
export interface SecretResolver {
  resolve(ref: SecretRef, place: string): Promise<string>;
}
