import type { HttpSettings } from '../../config/connections/httpSettings.js';
import type { Resolved } from '../../config/connections/secretRef.js';
import type { AgentConnection } from '../../core/agents/AgentConnection.js';
import type { AgentHost } from '../../core/agents/AgentHost.js';
import type { HttpAgent } from '../../core/agents/HttpAgent.js';
import { HttpConnection, type HttpConnectionOptions } from './HttpConnection.js';

/**
 * Builds an `http` connection from its validated settings (secret
 * references already resolved). Nothing is connected here: sockets open on
 * the first request, each through the SSRF guard.
 *
 * @param name     the connection's name in `custom.sluice.connections` (log lines, errors)
 * @param options  `lookup` (DNS, for the guard) and `connector` (opens the checked sockets): for tests
 * @example
 * const crm = createHttpConnection('crm', resolvedSettings, { kind: 'embedded', serviceDir });
 * const res = await crm.forTask(scope).fetch('customers/42');
 * const customer = await res.json();
 */
export function createHttpConnection(name: string, settings: Resolved<HttpSettings>, host: AgentHost, options?: HttpConnectionOptions): AgentConnection<HttpAgent> {
  return new HttpConnection(name, settings, host, options);
}
