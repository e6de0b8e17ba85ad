import { mintDevToken } from '../../lib/embedded/runtime/mintDevToken.js';
import { readDevJwtKey } from '../../lib/embedded/runtime/resolveDevJwtKey.js';
import type { Harness } from '../embedded/runtime/runtimeHarness.js';

/** The audience of the examples' JWT authorizer when SLUICE_JWT_AUDIENCE is unset (serverless.yml). */
export const EXAMPLES_AUDIENCE = 'sluice-examples';

const minted = new Map<string, Promise<string>>();

/**
 * The header that lets a test through the examples' routes (JWT authorizer
 * `examples`, on the dev issuer while SLUICE_JWT_ISSUER is unset): a token
 * signed by the dev key the runtime generated in its data directory, as
 * `sluice token` mints it (test/cli/devToken.test.ts runs the real command).
 */
export async function exampleAuth(h: Pick<Harness, 'dataDir'>): Promise<{ authorization: string }> {
  let token = minted.get(h.dataDir);
  if (!token) {
    token = mintDevToken(readDevJwtKey(h.dataDir), { audience: EXAMPLES_AUDIENCE, subject: 'examples-test', scopes: [], ttlSeconds: 3600 });
    minted.set(h.dataDir, token);
  }
  return { authorization: `Bearer ${await token}` };
}
