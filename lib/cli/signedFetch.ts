import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { NodeSha256 } from '../http/NodeSha256.js';

/**
 * A `fetch` that signs every request with AWS Signature V4 for API Gateway
 * (service `execute-api`), as the IAM-authorized platform API on AWS needs.
 * The body must be a string (the CLI only sends JSON). Credentials come from
 * the standard chain (environment, profile, SSO, container, instance role)
 * unless given; the SDK caches and refreshes them.
 */
export function signedFetch(options: { region: string; credentials?: AwsCredentialIdentityProvider; fetch?: typeof fetch }): typeof fetch {
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials ?? fromNodeProviderChain(), sha256: NodeSha256 });
  const send = options.fetch ?? fetch;
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers: Record<string, string> = { host: url.host };
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const body = typeof init.body === 'string' ? init.body : undefined;
    const signed = await signer.sign({
      method: (init.method ?? 'GET').toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    // fetch sets Host itself (and refuses to be given it).
    const { host: _host, ...rest } = signed.headers;
    return send(url, { ...init, headers: rest });
  };
}
