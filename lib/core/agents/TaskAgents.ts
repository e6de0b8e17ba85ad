import type { AgentConnection, AgentKind } from './AgentConnection.js';
import type { AgentScope } from './AgentScope.js';
import { ConnectionNotGrantedError } from './agentErrors.js';
import type { DatabaseAgent } from './DatabaseAgent.js';
import type { FileStorageAgent } from './FileStorageAgent.js';
import type { HttpAgent } from './HttpAgent.js';
import type { MailAgent } from './MailAgent.js';

/** What each kind of connection gives a logic. */
export interface AgentOfKind {
  db: DatabaseAgent;
  files: FileStorageAgent;
  http: HttpAgent;
  mail: MailAgent;
}

/**
 * The agents of one function, as the core receives them: one value, built by
 * the runtime's composition root (`lib/embedded/runtime/composeAgents.ts` in
 * each worker thread, `lib/aws/lambda/composeProcessHandler.ts` once per
 * Lambda container) and handed to `executeTask`. `ctx.db(name)`,
 * `ctx.files(name)`... are thin accessors over {@link TaskAgents.acquire}.
 */
export interface TaskAgents {
  /**
   * The agent of connection `name`, bound to one task's scope.
   *
   * @throws {ConnectionNotGrantedError} when `name` is not declared, not granted
   *   to this function (`functions.<fn>.sluice.connections`), or of another kind
   */
  acquire<K extends AgentKind>(kind: K, name: string, scope: AgentScope): AgentOfKind[K];
  /** Closes every connection opened so far (shutdown). */
  close(): Promise<void>;
}

/** A connection the function is granted: opened on first use (a function that never calls `ctx.db` opens no pool). */
export interface GrantedConnection {
  kind: AgentKind;
  /** The connection's `type` in `serverless.yml` (`postgres`, `s3`...), for messages. */
  type: string;
  open(): AgentConnection<unknown>;
}

const KIND_NOUN: Record<AgentKind, string> = { db: 'database (ctx.db)', files: 'file storage (ctx.files)', http: 'HTTP (ctx.http)', mail: 'mail (ctx.mail)' };

/**
 * {@link TaskAgents} over the connections a function is granted. Knows the
 * names of every declared connection too, to tell "not granted" from "does
 * not exist" in the error a logic gets.
 */
export class ConnectionSet implements TaskAgents {
  readonly #opened = new Map<string, AgentConnection<unknown>>();

  /**
   * @param functionName the function (process) these connections belong to
   * @param granted      by connection name
   * @param declared     names of every connection in `custom.sluice.connections`
   */
  constructor(
    private readonly functionName: string,
    private readonly granted: ReadonlyMap<string, GrantedConnection>,
    private readonly declared: ReadonlySet<string> = new Set(granted.keys()),
  ) {}

  acquire<K extends AgentKind>(kind: K, name: string, scope: AgentScope): AgentOfKind[K] {
    const grant = typeof name === 'string' ? this.granted.get(name) : undefined;
    if (grant === undefined) throw this.#refusal(kind, name);
    if (grant.kind !== kind) {
      throw new ConnectionNotGrantedError(name, kind, `connection '${name}' is a ${grant.type} connection, a ${KIND_NOUN[grant.kind]} one, not ${KIND_NOUN[kind]}`);
    }
    let connection = this.#opened.get(name);
    if (connection === undefined) {
      connection = grant.open();
      this.#opened.set(name, connection);
    }
    return connection.forTask(scope) as AgentOfKind[K];
  }

  async close(): Promise<void> {
    const open = [...this.#opened.values()];
    this.#opened.clear();
    await Promise.allSettled(open.map((connection) => connection.close()));
  }

  #refusal(kind: AgentKind, name: unknown): ConnectionNotGrantedError {
    const shown = typeof name === 'string' ? `'${name}'` : `${String(name)} (not a name)`;
    const text = String(name);
    if (typeof name === 'string' && this.declared.has(name)) {
      return new ConnectionNotGrantedError(text, kind, `function '${this.functionName}' may not use connection ${shown}: add it to functions.${this.functionName}.sluice.connections in serverless.yml`);
    }
    const grantedNames = [...this.granted.keys()];
    const hint = grantedNames.length > 0 ? `; it may use: ${grantedNames.join(', ')}` : '; it is granted no connections';
    return new ConnectionNotGrantedError(text, kind, `no connection ${shown} is declared in custom.sluice.connections (function '${this.functionName}'${hint})`);
  }
}

/** The agents of a function granted nothing: every acquire explains how to declare a connection. */
export function noAgents(functionName: string): TaskAgents {
  return new ConnectionSet(functionName, new Map());
}
