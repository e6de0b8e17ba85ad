import { lookup } from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { SMTPTransportGetSocket } from 'nodemailer/lib/smtp-transport';

/**
 * The SMTP server's name resolved to an address the connection may not
 * reach (loopback, private, link-local, reserved...): an SSRF guard refusal.
 * The send that met it is refused, not retried.
 */
export class BlockedSmtpAddressError extends Error {
  override name = 'BlockedSmtpAddressError';
  constructor(
    readonly host: string,
    readonly address: string,
    range: string,
  ) {
    super(`${host} resolves to ${address}, a ${range} address (set allowPrivateNetwork to reach it)`);
  }
}

/**
 * The range of an address when a connection may not reach it, `undefined`
 * when it may: only global unicast passes. IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries; NAT64,
 * 6to4 and Teredo forms are refused, since they can carry a private IPv4.
 */
export function blockedRange(address: string): string | undefined {
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? undefined : range;
}

export interface GuardedSocketOptions {
  /** Also reach loopback, private and link-local addresses. */
  allowPrivateNetwork: boolean;
  /** Milliseconds for the lookup and the TCP connect together. */
  timeoutMs: number;
}

/**
 * Nodemailer's `getSocket` hook: resolves the server's name itself, checks
 * EVERY address it resolves to (one blocked address refuses the name: a
 * rebinding name cannot hide a private address behind a public one), and
 * connects to a checked address, so the address checked is the address
 * used. Nodemailer then speaks SMTP over the socket, doing the TLS
 * handshake (`smtps:`) or STARTTLS itself against the host NAME (SNI and
 * certificate checks are unchanged).
 *
 * The error is a {@link BlockedSmtpAddressError}, a lookup error, or the
 * last connect error (each address is tried in turn).
 */
export function guardedSmtpSocket(options: GuardedSocketOptions): SMTPTransportGetSocket {
  return (target, callback) => {
    const host = String(target.host ?? '');
    const port = Number(target.port);
    connectChecked(host, port, options).then(
      (socket) => callback(null, { connection: socket }),
      (error: Error) => callback(error),
    );
  };
}

async function connectChecked(host: string, port: number, options: GuardedSocketOptions): Promise<net.Socket> {
  const deadline = Date.now() + options.timeoutMs;
  const addresses = net.isIP(host) ? [host] : (await withTimeout(lookup(host, { all: true, verbatim: true }), options.timeoutMs, `looking up ${host}`)).map((entry) => entry.address);
  if (!options.allowPrivateNetwork) {
    for (const address of addresses) {
      const range = blockedRange(address);
      if (range !== undefined) throw new BlockedSmtpAddressError(host, address, range);
    }
  }
  let lastError: Error = new Error(`${host} resolves to no address`);
  for (const address of addresses) {
    try {
      return await connectOnce(address, port, Math.max(deadline - Date.now(), 1));
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError;
}

function connectOnce(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connecting to ${address}:${port} timed out`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
