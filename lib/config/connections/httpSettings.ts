import * as z from 'zod';
import { isValidCidr } from '../../agents/http/ssrfGuard.js';
import { secretable } from './secretRef.js';

/**
 * Settings of an `http` connection (`custom.sluice.connections.<name>`):
 *
 * ```yaml
 * crm:
 *   type: http
 *   baseUrl: https://api.example.com/v2/   # logic paths resolve under /v2/ (no query string)
 *   headers: { Accept: application/json, X-Tenant: { env: CRM_TENANT } }
 *   auth: { type: oauth2, tokenUrl: https://auth.example.com/token, clientId: sluice, clientSecret: { ssm: /crm/secret } }
 *   timeoutSeconds: 30           # per attempt
 *   maxResponseBytes: 10485760   # decoded body bytes
 *   retries: { attempts: 3, baseDelayMs: 200, maxDelayMs: 10000 }
 *   allowPrivateNetwork: false   # the SSRF guard (see ssrfGuard.ts)
 *   allowCidrs: [10.20.0.0/16]
 * ```
 *
 * Credentials (`auth`, header values) may be secret references; the auth
 * and the default headers are sent to `baseUrl`'s origin only (dropped on a
 * redirect to another origin). A default header may not be named `env`,
 * `ssm`, `secretsManager` or `json` (a secret reference's keys).
 */

/** Integers written through a variable (`${env:N}`) arrive as strings. */
const integer = (min: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value), z.number().int().min(min).max(max));

const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }).refine((text) => {
    const url = new URL(text);
    return url.username === '' && url.password === '';
  }, `${what} must not carry credentials (use auth)`);

/** RFC 9110 token: what a header name may be. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a header name');

/** The keys of a secret reference (`secretRef.ts`): a headers map with only these keys reads as one reference. */
const SECRET_REF_KEYS: ReadonlySet<string> = new Set(['env', 'ssm', 'secretsManager', 'json']);

/**
 * Default headers: none may be named after a secret reference's key
 * (`headers: { env: X }` cannot be told from a reference to the variable X:
 * the secret resolver would replace the whole map by its value).
 */
const defaultHeaders = z.record(headerName, secretable(z.string())).superRefine((headers, context) => {
  for (const name of Object.keys(headers)) {
    if (!SECRET_REF_KEYS.has(name)) continue;
    context.addIssue({
      code: 'custom',
      path: [name],
      message: `a default header may not be named ${name}: it cannot be told from a secret reference ({ env | ssm | secretsManager | json }); send it from the logic's fetch() instead`,
    });
  }
});

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: secretable(z.string().min(1)) }),
  z.strictObject({ type: z.literal('basic'), username: secretable(z.string()), password: secretable(z.string()) }),
  z.strictObject({ type: z.literal('apiKey'), header: headerName, value: secretable(z.string().min(1)) }),
  z.strictObject({
    /** OAuth 2.0 client credentials grant (RFC 6749 §4.4); the token is cached until shortly before it expires. */
    type: z.literal('oauth2'),
    tokenUrl: httpUrl('tokenUrl'),
    clientId: secretable(z.string().min(1)),
    clientSecret: secretable(z.string().min(1)),
    scope: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    /** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). @default 'basic' */
    clientAuth: z.enum(['basic', 'body']).default('basic'),
  }),
]);

export const httpSettingsSchema = z.strictObject({
  type: z.literal('http'),
  /** No query or fragment: logic paths resolve under it, which would drop them from every request. */
  baseUrl: httpUrl('baseUrl')
    .refine((text) => new URL(text).search === '' && !text.includes('?'), 'baseUrl must not have a query string: it would be dropped from every request (put credentials in auth, constant parameters in the paths the logic fetches)')
    .refine((text) => !text.includes('#'), 'baseUrl must not have a fragment'),
  headers: defaultHeaders.optional(),
  auth: authSchema.optional(),
  /** Per attempt, the whole exchange (connect, headers, body). @default 30 */
  timeoutSeconds: integer(1, 900).default(30),
  /** Cap on the decoded response body. @default 10 MiB */
  maxResponseBytes: integer(0, 2 ** 31).default(10 * 1024 * 1024),
  retries: z
    .strictObject({
      /** Attempts in all (1 = no retry). @default 3 */
      attempts: integer(1, 10).default(3),
      baseDelayMs: integer(0, 60_000).default(200),
      maxDelayMs: integer(0, 300_000).default(10_000),
    })
    .default({ attempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 }),
  allowPrivateNetwork: z.boolean().default(false),
  allowCidrs: z.array(z.string().refine(isValidCidr, 'is not a CIDR (a.b.c.d/n or v6::/n)')).default([]),
});

/** An `http` connection's settings, defaults applied (secret references not yet resolved). */
export type HttpSettings = z.output<typeof httpSettingsSchema>;
export type HttpAuthSettings = z.output<typeof authSchema>;

/** The connection types this file declares, for the connections schema's union. */
export const httpConnectionSchemas = { http: httpSettingsSchema };
