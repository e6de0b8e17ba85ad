import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type SsrfGuard, parseIpAddress } from './ssrfGuard.js';

/**
 * Resolves a host name to every address it has (`dns.lookup` with
 * `all: true` by default; tests inject their own). Promise-based, unlike
 * `net.LookupFunction`.
 */
export type LookupFunction = (hostname: string) => Promise<ReadonlyArray<{ address: string; family?: number }>>;

/** undici's socket opener: `buildConnector()` by default; tests inject one that records attempts. */
export type Connector = buildConnector.connector;

/** Why the guard refused a connection: carried as `cause` of undici's `fetch failed`. */
export class SsrfBlockedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(host === address ? `${address} is a ${range} address` : `${host} resolves to ${address}, a ${range} address`);
    this.name = 'SsrfBlockedError';
  }
}

/** Refused: the host name did not resolve (no socket was opened). */
export class HostResolutionError extends Error {
  constructor(
    readonly host: string,
    options?: ErrorOptions,
  ) {
    super(`${host} did not resolve`, options);
    this.name = 'HostResolutionError';
  }
}

const defaultLookup: LookupFunction = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * The addresses a connection to `hostname` may use, or throws:
 * - a literal IP in any notation (undici never calls `connect.lookup` for
 *   those, and inet_aton forms such as `127.1` or `0x7f000001` would be
 *   accepted by the resolver) is judged as it is;
 * - a name is resolved once and EVERY answer is judged: one blocked answer
 *   refuses the host (an attacker's name answering [public, private] must
 *   not win by luck). The caller connects to the returned addresses, so a
 *   second resolution cannot hand the socket another one (DNS rebinding).
 *
 * @returns the checked addresses, in the resolver's order
 * @throws {SsrfBlockedError} an address the guard blocks
 * @throws {HostResolutionError} no answer
 */
export async function resolveGuardedAddresses(hostname: string, guard: SsrfGuard, lookup: LookupFunction = defaultLookup): Promise<string[]> {
  const literal = parseIpAddress(hostname);
  if (literal) {
    const verdict = guard(literal.toString());
    if (!verdict.allowed) throw new SsrfBlockedError(hostname, verdict.address, verdict.range);
    return [literal.toString()];
  }
  let answers: ReadonlyArray<{ address: string }>;
  try {
    answers = await lookup(hostname);
  } catch (error) {
    throw new HostResolutionError(hostname, { cause: error });
  }
  if (answers.length === 0) throw new HostResolutionError(hostname);
  for (const { address } of answers) {
    // A resolver answers plain addresses; anything else is refused rather than handed to connect().
    if (isIP(address) === 0) throw new SsrfBlockedError(hostname, address, 'notAnAddress');
    const verdict = guard(address);
    if (!verdict.allowed) throw new SsrfBlockedError(hostname, verdict.address, verdict.range);
  }
  return answers.map(({ address }) => address);
}

/**
 * Wraps a connector so every socket goes through the guard: the guard
 * decides (and may refuse) before `connector` is asked for a socket, and
 * the socket is opened to a checked address (the next one when connecting
 * to the first fails: an IPv6 answer on a host without IPv6 route). TLS
 * still verifies the certificate against the host name (`servername`).
 */
export function guardConnector(guard: SsrfGuard, connector: Connector, lookup?: LookupFunction): Connector {
  return (options, callback) => {
    const servername = options.servername ?? (parseIpAddress(options.hostname) ? undefined : options.hostname);
    const attempt = (addresses: string[], index: number) => {
      connector({ ...options, hostname: addresses[index]!, ...(servername ? { servername } : {}) }, (error, socket) => {
        if (error && index + 1 < addresses.length) attempt(addresses, index + 1);
        else if (error) callback(error, null);
        else callback(null, socket!);
      });
    };
    resolveGuardedAddresses(options.hostname, guard, lookup).then(
      (addresses) => attempt(addresses, 0),
      (error: Error) => callback(error, null),
    );
  };
}

export interface GuardedDispatcherOptions {
  lookup?: LookupFunction;
  /** The connector that opens the checked sockets. @default buildConnector({ timeout: connectTimeoutMs }) */
  connector?: Connector;
  /** TCP + TLS handshake limit. @default 10_000 */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept. @default 4_000 */
  keepAliveTimeoutMs?: number;
}

/**
 * An undici `Agent` whose every socket — first request, redirect hop, OAuth2
 * token request, new socket after keep-alive expiry — passes the SSRF guard
 * at connect time. Use it as `fetch`'s `dispatcher`.
 */
export function createGuardedDispatcher(guard: SsrfGuard, options: GuardedDispatcherOptions = {}): Agent {
  const connector = options.connector ?? buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: guardConnector(guard, connector, options.lookup),
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
  });
}
