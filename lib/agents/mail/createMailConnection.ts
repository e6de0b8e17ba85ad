import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';
import type { Resolved } from '../../config/connections/secretRef.js';
import type { MailSettings } from '../../config/connections/mailSettings.js';
import type { AgentConnection } from '../../core/agents/AgentConnection.js';
import type { AgentHost } from '../../core/agents/AgentHost.js';
import type { AgentScope } from '../../core/agents/AgentScope.js';
import type { MailAgent, MailMessage } from '../../core/agents/MailAgent.js';
import { AgentError, AgentRefusedError } from '../../core/agents/agentErrors.js';
import { traceAgentCall } from '../../core/agents/traceAgentCall.js';
import { checkMailMessage } from './checkMailMessage.js';
import { BlockedSmtpAddressError, guardedSmtpSocket } from './guardedSmtpSocket.js';

const DEFAULT_TIMEOUT_SECONDS = 30;

type SendResult = Awaited<ReturnType<MailAgent['send']>>;

/**
 * The `smtp` mail connection: one pooled nodemailer transport per
 * connection, created on the first send and closed by `close()`. The pool
 * holds one connection on Lambda (a frozen container's socket is found dead
 * and the message requeued on a fresh one: nodemailer retries a message not
 * a byte of which was sent) and up to three on the embedded runtime.
 *
 * `send` checks the message first ({@link checkMailMessage}): a refusal is an
 * {@link AgentRefusedError} and nothing connects. The server's address is
 * checked at connect time ({@link guardedSmtpSocket}; a blocked address is an
 * AgentRefusedError too). The task's signal cancels the send (nodemailer
 * closes the connection delivering it): an {@link AgentError} `aborted`,
 * though the server may already have accepted the message. Server and network
 * errors are AgentErrors carrying nodemailer's error (`code`, `responseCode`,
 * `rejected`...) as `cause`, both with the credentials redacted from their
 * messages; the AgentError's message (the log line's too) shows no address.
 * A recipient the server rejects while others are accepted is not an error:
 * it is listed in `rejected`.
 *
 * Log line: `<name> send` with `recipients` (a count: no address is logged)
 * and `bytes` (the encoded message's size).
 */
export function createMailConnection(name: string, settings: Resolved<MailSettings>, host: AgentHost): AgentConnection<MailAgent> {
  const options = smtpPoolOptions(settings, host);
  const secrets = credentialForms(options.auth?.user, options.auth?.pass);
  let transport: Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions> | undefined;
  let closed = false;

  async function send(scope: AgentScope, message: MailMessage): Promise<SendResult & { bytes: number; recipients: number }> {
    const checked = checkMailMessage(message, settings.from);
    if ('refused' in checked) throw new AgentRefusedError(name, 'send', checked.refused);
    if (closed) throw new AgentRefusedError(name, 'send', 'the connection is closed');
    if (scope.signal.aborted) throw abortedError(name, scope.signal);
    const pool = (transport ??= createTransport(options));
    try {
      const info = await pool.sendMail({ ...checked.fields, signal: scope.signal });
      return { messageId: info.messageId, accepted: info.accepted.map(String), rejected: info.rejected.map(String), bytes: info.messageSize, recipients: checked.recipients };
    } catch (error) {
      throw translateError(name, error, scope.signal, secrets);
    }
  }

  return {
    forTask(scope: AgentScope): MailAgent {
      return {
        async send(message) {
          const { bytes: _bytes, recipients: _recipients, ...result } = await traceAgentCall(scope, 'send', () => send(scope, message), (sent) => ({
            recipients: sent.recipients,
            bytes: sent.bytes,
          }));
          return result;
        },
      };
    },
    async close() {
      closed = true;
      transport?.close();
      transport = undefined;
    },
  };
}

/** Nodemailer's pool options from the settings: the url's parts, the password setting over the url's, one timeout for every phase. */
function smtpPoolOptions(settings: Resolved<MailSettings>, host: AgentHost): SMTPPoolOptions & { pool: true } {
  const url = new URL(settings.url);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  const pass = settings.password ?? decodeURIComponent(url.password);
  const timeoutMs = (settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  return {
    pool: true,
    maxConnections: host.kind === 'lambda' ? 1 : 3,
    // The URL API keeps an IPv6 literal's brackets; a socket wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    getSocket: guardedSmtpSocket({ allowPrivateNetwork: settings.allowPrivateNetwork ?? false, timeoutMs }),
    // The message is built from strings only: nodemailer must never read a file or fetch a URL for it.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

function translateError(name: string, error: unknown, signal: AbortSignal, secrets: readonly string[]): Error {
  if (!(error instanceof Error)) return new AgentError(name, 'send', redact(String(error), secrets));
  error.message = redact(error.message, secrets);
  if (signal.aborted || (error as { code?: unknown }).code === 'EABORT') return abortedError(name, signal, error);
  if (error instanceof BlockedSmtpAddressError) return new AgentRefusedError(name, 'send', error.message, { cause: error });
  const code = (error as { code?: unknown }).code;
  return new AgentError(name, 'send', `${typeof code === 'string' ? `${code}: ` : ''}${withoutAddresses(error.message)}`, { cause: error });
}

function abortedError(name: string, signal: AbortSignal, cause?: Error): AgentError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'the task was cancelled';
  return new AgentError(name, 'send', `aborted (${reason}); the server may still have accepted the message`, { cause: cause ?? signal.reason });
}

/** The forms a credential may take in a server's reply or a driver's message: as is, percent-encoded, base64 (AUTH LOGIN and AUTH PLAIN). */
function credentialForms(user: string | undefined, pass: string | undefined): string[] {
  if (!pass) return [];
  const forms = [pass, encodeURIComponent(pass), Buffer.from(pass).toString('base64'), Buffer.from(`\0${user ?? ''}\0${pass}`).toString('base64')];
  return [...new Set(forms)].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * A server's reply often quotes the address it rejects (`550 <bob@example.com>
 * unknown`); the agent's message is also the task-log line, which reports
 * recipients by count only. The driver's error (`cause`) keeps the reply.
 */
function withoutAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]');
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => redacted.split(secret).join('[redacted]'), text);
}
