import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createMailConnection } from '../../lib/agents/mail/createMailConnection.js';
import { blockedRange } from '../../lib/agents/mail/guardedSmtpSocket.js';
import { smtpSettingsSchema, type MailSettings } from '../../lib/config/connections/mailSettings.js';
import type { Resolved } from '../../lib/config/connections/secretRef.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import type { AgentScope } from '../../lib/core/agents/AgentScope.js';
import type { MailAgent } from '../../lib/core/agents/MailAgent.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import type { TaskLogger } from '../../lib/core/process/types.js';
import type { LogLevel } from '../../lib/core/task/TaskRecord.js';

const USER = 'reports@example.com';
const PASSWORD = 'correct horse battery staple';

/** What the test server saw: connections, and each message's envelope and raw text. */
interface Received {
  connections: number;
  messages: Array<{ mailFrom: string; rcptTo: string[]; user: string | undefined; raw: string }>;
}

interface TestServer {
  url: string;
  received: Received;
  close(): Promise<void>;
}

async function startSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<TestServer> {
  const received: Received = { connections: 0, messages: [] };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onConnect(_session, callback) {
      received.connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.messages.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface LogLine {
  level: string;
  message: string;
  data: unknown;
}

function scopeFor(connection: string, signal: AbortSignal = new AbortController().signal): AgentScope & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const write = (level: string) => (message: string, data?: unknown) => void lines.push({ level, message, data });
  const log: TaskLogger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), log: (level: LogLevel, message, data) => write(level)(message, data) };
  return { connection, signal, deadlineMs: Date.now() + 60_000, log, now: () => Date.now(), lines };
}

const host = { kind: 'embedded', serviceDir: '/tmp' } as const;

function settingsFor(url: string, extra: Partial<Resolved<MailSettings>> = {}): Resolved<MailSettings> {
  return { type: 'smtp', url, allowPrivateNetwork: true, timeoutSeconds: 5, ...extra };
}

describe('smtp mail connection', () => {
  let server: TestServer;
  const connections: Array<AgentConnection<MailAgent>> = [];
  const connect = (settings: Resolved<MailSettings>) => {
    const connection = createMailConnection('alerts', settings, host);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await startSmtpServer();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    server.received.connections = 0;
    server.received.messages.length = 0;
  });
  afterAll(() => server.close());

  it('sends text and html to to/cc/bcc: bcc is in the envelope, not in the headers', async () => {
    // Prepare
    const scope = scopeFor('alerts');
    const mail = connect(settingsFor(server.url, { from: 'Sluice <sluice@example.com>' })).forTask(scope);

    // Act
    const sent = await mail.send({
      to: ['ana@example.com', 'Bo <bo@example.com>'],
      cc: 'cy@example.com',
      bcc: 'hidden@example.com',
      subject: 'Nightly load: 1,204 rows',
      text: 'The load finished.',
      html: '<p>The load <b>finished</b>.</p>',
    });

    // Assess
    expect(sent.messageId).toMatch(/^<.+@.+>$/);
    expect(sent.accepted.sort()).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com', 'hidden@example.com']);
    expect(sent.rejected).toEqual([]);
    expect(server.received.messages).toHaveLength(1);
    const [message] = server.received.messages;
    expect(message!.mailFrom).toBe('sluice@example.com');
    expect(message!.rcptTo.sort()).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com', 'hidden@example.com']);
    expect(message!.raw).toMatch(/^Subject: Nightly load: 1,204 rows\r$/m);
    expect(message!.raw).toMatch(/^From: Sluice <sluice@example\.com>\r$/m);
    expect(message!.raw).toMatch(/^Cc: cy@example\.com\r$/m);
    expect(message!.raw).not.toContain('hidden@example.com');
    expect(message!.raw).toContain('The load finished.');
    expect(message!.raw).toContain('<p>The load <b>finished</b>.</p>');
    expect(message!.raw).toContain('multipart/alternative');
  });

  it('writes one log line with the recipient count and bytes, never an address', async () => {
    const scope = scopeFor('alerts');
    const mail = connect(settingsFor(server.url)).forTask(scope);

    await mail.send({ from: 'sluice@example.com', to: 'ana@example.com, bo@example.com', bcc: ['hidden@example.com'], subject: 'Hi', text: 'Body' });

    expect(scope.lines).toHaveLength(1);
    const [line] = scope.lines;
    expect(line!.level).toBe('info');
    expect(line!.message).toBe('alerts send');
    expect(line!.data).toMatchObject({ connection: 'alerts', operation: 'send', recipients: 3, bytes: expect.any(Number) });
    expect((line!.data as { bytes: number }).bytes).toBeGreaterThan(0);
    expect(JSON.stringify(scope.lines)).not.toMatch(/example\.com/);
  });

  it('reuses the pooled connection for the next message', async () => {
    const connection = connect(settingsFor(server.url, { from: 'sluice@example.com' }));

    await connection.forTask(scopeFor('alerts')).send({ to: 'ana@example.com', subject: 'One', text: '1' });
    await connection.forTask(scopeFor('alerts')).send({ to: 'ana@example.com', subject: 'Two', text: '2' });

    expect(server.received.messages).toHaveLength(2);
    expect(server.received.connections).toBe(1);
  });

  it('collapses a line break in the subject instead of writing a header', async () => {
    const mail = connect(settingsFor(server.url, { from: 'sluice@example.com' })).forTask(scopeFor('alerts'));

    await mail.send({ to: 'ana@example.com', subject: 'Report\r\nBcc: victim@example.org', text: 'x' });

    const [message] = server.received.messages;
    expect(message!.rcptTo).toEqual(['ana@example.com']);
    expect(message!.raw).not.toMatch(/^Bcc:/m);
  });

  it('lists the recipients the server rejects, and fails when it rejects them all without showing them', async () => {
    const picky = await startSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody')) callback(Object.assign(new Error(`<${address.address}>: Recipient address rejected`), { responseCode: 550 }));
        else callback();
      },
    });
    try {
      const scope = scopeFor('alerts');
      const connection = connect(settingsFor(picky.url, { from: 'sluice@example.com' }));

      const sent = await connection.forTask(scope).send({ to: ['ana@example.com', 'nobody@example.com'], subject: 'Hi', text: 'x' });
      const error = await connection
        .forTask(scope)
        .send({ to: 'nobody@example.com', bcc: 'nobody2@example.com', subject: 'Hi', text: 'x' })
        .catch((caught: unknown) => caught);

      expect(sent.accepted).toEqual(['ana@example.com']);
      expect(sent.rejected).toEqual(['nobody@example.com']);
      expect(picky.received.messages.map((message) => message.rcptTo)).toEqual([['ana@example.com']]);
      expect(error).toBeInstanceOf(AgentError);
      expect((error as Error).message).toMatch(/^alerts: send failed: EENVELOPE: .*550/);
      expect((error as Error).message).not.toContain('nobody');
      expect(JSON.stringify(scope.lines)).not.toContain('nobody');
    } finally {
      await picky.close();
    }
  });

  it('resolves a host name and connects to an address it resolves to', async () => {
    const port = new URL(server.url).port;
    const mail = connect(settingsFor(`smtp://localhost:${port}`, { from: 'sluice@example.com' })).forTask(scopeFor('alerts'));

    await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' });

    expect(server.received.messages).toHaveLength(1);
  });

  it('refuses a host name that resolves to a loopback address, without connecting', async () => {
    const port = new URL(server.url).port;
    const mail = connect(settingsFor(`smtp://localhost:${port}`, { from: 'sluice@example.com', allowPrivateNetwork: false })).forTask(scopeFor('alerts'));

    const error = await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AgentRefusedError);
    expect((error as Error).message).toMatch(/^alerts: send refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(server.received.connections).toBe(0);
  });

  describe('refuses before connecting', () => {
    const cases: Array<[string, Parameters<MailAgent['send']>[0], RegExp]> = [
      ['no sender and no default', { to: 'ana@example.com', subject: 'Hi', text: 'x' }, /no sender/],
      ['a blank sender', { from: '  ', to: 'ana@example.com', subject: 'Hi', text: 'x' }, /no sender/],
      ['no recipient at all', { from: 'a@example.com', subject: 'Hi', text: 'x' }, /no recipient/],
      ['only blank recipients', { from: 'a@example.com', to: [' '], cc: '', bcc: [], subject: 'Hi', text: 'x' }, /no recipient/],
      ['an empty subject', { from: 'a@example.com', to: 'ana@example.com', subject: '', text: 'x' }, /no subject/],
      ['a blank subject', { from: 'a@example.com', to: 'ana@example.com', subject: ' \t', text: 'x' }, /no subject/],
      ['no body', { from: 'a@example.com', to: 'ana@example.com', subject: 'Hi' }, /no body/],
      ['empty bodies', { from: 'a@example.com', to: 'ana@example.com', subject: 'Hi', text: '', html: '' }, /no body/],
      ['a line break in a recipient', { from: 'a@example.com', to: 'ana@example.com\r\nBcc: victim@example.org', subject: 'Hi', text: 'x' }, /to holds a line break/],
      ['a line break in a bcc of a list', { from: 'a@example.com', to: 'ana@example.com', bcc: ['b@example.com', 'c@example.com\nX: y'], subject: 'Hi', text: 'x' }, /bcc holds a line break/],
      ['a line break in the sender', { from: 'a@example.com\r\nBcc: victim@example.org', to: 'ana@example.com', subject: 'Hi', text: 'x' }, /from holds a line break/],
      ['a line break in reply-to', { from: 'a@example.com', replyTo: 'r@example.com\nBcc: v@example.org', to: 'ana@example.com', subject: 'Hi', text: 'x' }, /replyTo holds a line break/],
      ['a NUL in a recipient (nodemailer would send to what follows it)', { from: 'a@example.com', to: ['ana@example.com\u0000rcpt to:<evil@example.org>'], subject: 'Hi', text: 'x' }, /to holds a control character \(U\+0000\)/],
      ['a tab in a cc', { from: 'a@example.com', to: 'ana@example.com', cc: 'b@example.com\tc@example.org', subject: 'Hi', text: 'x' }, /cc holds a control character \(U\+0009\)/],
      ['a DEL in the sender', { from: 'a@example.com\u007f', to: 'ana@example.com', subject: 'Hi', text: 'x' }, /from holds a control character \(U\+007F\)/],
      ['an escape in reply-to', { from: 'a@example.com', replyTo: 'r@example.com\u001b', to: 'ana@example.com', subject: 'Hi', text: 'x' }, /replyTo holds a control character \(U\+001B\)/],
    ];
    it.each(cases)('%s', async (_case, message, reason) => {
      const scope = scopeFor('alerts');
      const mail = connect(settingsFor(server.url)).forTask(scope);

      const error = await mail.send(message).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(AgentRefusedError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toMatch(/^alerts: send refused: /);
      expect(server.received.connections).toBe(0);
      expect(scope.lines.map((line) => line.level)).toEqual(['warn']);
    });
  });

  it('refuses a loopback server unless allowPrivateNetwork is set, without connecting', async () => {
    const mail = connect(settingsFor(server.url, { from: 'sluice@example.com', allowPrivateNetwork: false })).forTask(scopeFor('alerts'));

    const error = await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AgentRefusedError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1, a loopback address/);
    expect(server.received.connections).toBe(0);
  });

  it('judges addresses by range: only global unicast passes', () => {
    expect(blockedRange('93.184.215.14')).toBeUndefined();
    expect(blockedRange('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBeUndefined();
    expect(blockedRange('10.1.2.3')).toBe('private');
    expect(blockedRange('169.254.169.254')).toBe('linkLocal');
    expect(blockedRange('::1')).toBe('loopback');
    expect(blockedRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(blockedRange('0.0.0.0')).toBe('unspecified');
    expect(blockedRange('fd00::1')).toBe('uniqueLocal');
  });

  it('cancels a send when the task signal aborts', async () => {
    // The server holds the message: it never answers the DATA it received.
    let dataStarted!: () => void;
    const started = new Promise<void>((resolve) => (dataStarted = resolve));
    const stalling = await startSmtpServer({
      onData(stream) {
        dataStarted();
        stream.resume();
      },
    });
    try {
      const controller = new AbortController();
      const mail = connect(settingsFor(stalling.url, { from: 'sluice@example.com', timeoutSeconds: 60 })).forTask(scopeFor('alerts', controller.signal));

      const sending = mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' });
      const outcome = sending.catch((caught: unknown) => caught);
      await started;
      controller.abort(new Error('process timeout of 1000 ms elapsed'));

      const error = await outcome;
      expect(error).toBeInstanceOf(AgentError);
      expect(error).not.toBeInstanceOf(AgentRefusedError);
      expect((error as Error).message).toMatch(/^alerts: send failed: aborted \(process timeout of 1000 ms elapsed\)/);
    } finally {
      await stalling.close();
    }
  });

  it('rejects at once when the signal has already aborted, connecting nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('process timeout of 1000 ms elapsed'));
    const mail = connect(settingsFor(server.url, { from: 'sluice@example.com' })).forTask(scopeFor('alerts', controller.signal));

    await expect(mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' })).rejects.toThrow(/aborted/);
    expect(server.received.connections).toBe(0);
  });

  it('refuses to send once the connection is closed', async () => {
    const connection = connect(settingsFor(server.url, { from: 'sluice@example.com' }));
    await connection.close();
    await connection.close();

    await expect(connection.forTask(scopeFor('alerts')).send({ to: 'ana@example.com', subject: 'Hi', text: 'x' })).rejects.toBeInstanceOf(AgentRefusedError);
  });

  describe('with authentication', () => {
    let authServer: TestServer;
    beforeAll(async () => {
      authServer = await startSmtpServer({ authOptional: false });
    });
    afterAll(() => authServer.close());

    it('logs in with the password setting over the url', async () => {
      const url = authServer.url.replace('smtp://', `smtp://${encodeURIComponent(USER)}:not-this-one@`);
      const mail = connect(settingsFor(url, { password: PASSWORD, from: USER })).forTask(scopeFor('alerts'));

      await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' });

      expect(authServer.received.messages.map((message) => message.user)).toEqual([USER]);
    });

    it('logs in with user and password from the url', async () => {
      const url = authServer.url.replace('smtp://', `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@`);
      const mail = connect(settingsFor(url, { from: USER })).forTask(scopeFor('alerts'));

      const sent = await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' });

      expect(sent.accepted).toEqual(['ana@example.com']);
    });

    it('fails a wrong password with an AgentError that never shows the password', async () => {
      const wrong = 'wrong secret 42';
      const url = authServer.url.replace('smtp://', `smtp://${encodeURIComponent(USER)}@`);
      const scope = scopeFor('alerts');
      const mail = connect(settingsFor(url, { password: wrong, from: USER })).forTask(scope);

      const error = await mail.send({ to: 'ana@example.com', subject: 'Hi', text: 'x' }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(AgentError);
      expect(error).not.toBeInstanceOf(AgentRefusedError);
      expect((error as Error).message).toMatch(/^alerts: send failed: EAUTH: /);
      const everything = JSON.stringify([String(error), (error as Error).message, String((error as Error).cause), scope.lines]);
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(Buffer.from(wrong).toString('base64'));
      expect(scope.lines.map((line) => line.level)).toEqual(['warn']);
    });
  });
});

describe('smtp settings', () => {
  it('accepts a url with credentials and a password reference', () => {
    const parsed = smtpSettingsSchema.parse({ type: 'smtp', url: 'smtps://user%40example.com@smtp.example.com', password: { ssm: '/sluice/smtp' }, from: 'a@example.com' });
    expect(parsed.password).toEqual({ ssm: '/sluice/smtp' });
  });

  it.each([
    ['another scheme', { url: 'http://smtp.example.com' }],
    ['a path', { url: 'smtp://smtp.example.com/x' }],
    ['a query', { url: 'smtp://smtp.example.com?secure=false' }],
    ['no host', { url: 'smtp://' }],
    ['an unknown key', { url: 'smtp://smtp.example.com', tls: {} }],
    ['a password without a user', { url: 'smtp://smtp.example.com', password: 'x' }],
    ['a sender with a line break', { url: 'smtp://smtp.example.com', from: 'a@example.com\nBcc: b@example.com' }],
    ['a sender with a NUL', { url: 'smtp://smtp.example.com', from: 'a@example.com\u0000b@example.org' }],
  ])('refuses %s', (_case, settings) => {
    expect(smtpSettingsSchema.safeParse({ type: 'smtp', ...settings }).success).toBe(false);
  });
});
