import type { ConnectionType } from './parseConnections.js';

/**
 * Every connection type of `custom.sluice.connections`, by its `type`: the
 * agent kind it gives and its settings schema (each in its agent's settings
 * file). The one list both runtimes and the packager read.
 */
export const CONNECTION_TYPES: Readonly<Record<string, ConnectionType>> = Object.freeze({});
