import type { z } from 'zod';
import type { AgentKind } from '../../core/agents/AgentConnection.js';
import { databaseConnectionSchemas } from './databaseSettings.js';
import { fileConnectionSchemas } from './fileSettings.js';
import { httpConnectionSchemas } from './httpSettings.js';
import { mailConnectionSchemas } from './mailSettings.js';
import type { ConnectionType } from './parseConnections.js';

function ofKind(kind: AgentKind, schemas: Record<string, z.ZodType>): Record<string, ConnectionType> {
  return Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, { kind, schema }]));
}

/**
 * Every connection type of `custom.sluice.connections`, by its `type`: the
 * agent kind it gives and its settings schema (each in its agent's settings
 * file). The one list both runtimes and the packager read.
 */
export const CONNECTION_TYPES: Readonly<Record<string, ConnectionType>> = Object.freeze({
  ...ofKind('db', databaseConnectionSchemas),
  ...ofKind('files', fileConnectionSchemas),
  ...ofKind('http', httpConnectionSchemas),
  ...ofKind('mail', mailConnectionSchemas),
});
