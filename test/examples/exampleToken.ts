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
export async function exampleAuth(h: Pick<Harness, 'dataDir' | 'clock'>): Promise<{ authorization: string }> {
  let token = minted.get(h.dataDir);
  if (!token) {
    // Issued at the runtime's "now" (a test's ManualClock may be hours behind the wall clock, and a token issued
    // in the runtime's future is refused, as API Gateway refuses one), valid for a week of the tests' clock moves.
    token = mintDevToken(readDevJwtKey(h.dataDir), { audience: EXAMPLES_AUDIENCE, subject: 'examples-test', scopes: [], ttlSeconds: 7 * 86_400, now: h.clock.now() });
    minted.set(h.dataDir, token);
  }
  return { authorization: `Bearer ${await token}` };
}
