import { describe, expect, it } from 'vitest';
import { DEV_ISSUER_URL, type AuthorizerManifest } from '../../../lib/config/httpAuthorizers.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { assertAwsAuthorizers } from '../../../lib/serverless/assertAwsAuthorizers.js';

const jwt = (issuerUrl: string): AuthorizerManifest => ({ name: 'users', type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl, audience: ['app'] });

describe('JWT authorizers checked for AWS at package time', () => {
  it.each([DEV_ISSUER_URL, `${DEV_ISSUER_URL}/`])('refuses the dev issuer (%s), naming the key', (issuer) => {
    expect(() => assertAwsAuthorizers([jwt(issuer)])).toThrow(ConfigError);
    expect(() => assertAwsAuthorizers([jwt(issuer)])).toThrow(/^provider\.httpApi\.authorizers\.users\.issuerUrl: https:\/\/dev-issuer\.sluice\.invalid is the embedded runtime's dev issuer/);
  });

  it.each(['https://auth.invalid/pool', 'http://localhost:8080/realms/dev', 'http://keycloak.localhost/realms/x', 'http://127.0.0.1:9000', 'http://[::1]:9000/'])('refuses an issuer API Gateway cannot reach: %s', (issuer) => {
    expect(() => assertAwsAuthorizers([jwt(issuer)])).toThrow(/provider\.httpApi\.authorizers\.users\.issuerUrl: API Gateway cannot reach/);
  });

  it('accepts real issuers and leaves Lambda authorizers alone', () => {
    expect(() =>
      assertAwsAuthorizers([
        jwt('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf'),
        jwt('https://acme.eu.auth0.com/'),
        { name: 'gate', type: 'request', functionName: 'gate', identitySource: [], resultTtlInSeconds: 0, enableSimpleResponses: true, payloadVersion: '2.0' },
      ]),
    ).not.toThrow();
  });
});
