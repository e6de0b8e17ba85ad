import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { assertGrantedConnections, parseConnections, type ConnectionType } from '../../../lib/config/connections/parseConnections.js';
import { secretable } from '../../../lib/config/connections/secretRef.js';
import { describeConnection } from '../../../lib/config/connections/describeConnection.js';
import { ConfigError } from '../../../lib/core/errors.js';

/** Two small types: the parser is under test here, each real type's schema has its own tests. */
const TYPES: Record<string, ConnectionType> = {
  postgres: { kind: 'db', schema: z.strictObject({ type: z.literal('postgres'), url: secretable(z.string().startsWith('postgres://', 'is not a postgres:// URL')), password: secretable(z.string()).optional() }) },
  fs: { kind: 'files', schema: z.strictObject({ type: z.literal('fs'), root: z.string().min(1) }) },
};

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('custom.sluice.connections', () => {
  it('reads each connection with its type, kind and settings; secret references stay references', () => {
    const connections = parseConnections(
      { warehouse: { type: 'postgres', url: 'postgres://etl@db:5432/dw', password: { env: 'DW_PASSWORD', ssm: '/dw/password' } }, landing: { type: 'fs', root: 'data/landing' } },
      TYPES,
    );
    expect(connections).toEqual([
      { name: 'warehouse', type: 'postgres', kind: 'db', settings: { type: 'postgres', url: 'postgres://etl@db:5432/dw', password: { env: 'DW_PASSWORD', ssm: '/dw/password' } } },
      { name: 'landing', type: 'fs', kind: 'files', settings: { type: 'fs', root: 'data/landing' } },
    ]);
    expect(parseConnections(undefined, TYPES)).toEqual([]);
  });

  it('names the connection and the setting in every refusal', () => {
    expect(message(() => parseConnections({ warehouse: { type: 'postgress', url: 'postgres://x' } }, TYPES))).toMatch(
      /custom\.sluice\.connections\.warehouse\.type "postgress" is not a connection type \(did you mean 'postgres'\?\); valid types: postgres, fs/,
    );
    expect(message(() => parseConnections({ warehouse: { url: 'postgres://x' } }, TYPES))).toContain('custom.sluice.connections.warehouse.type is missing');
    expect(message(() => parseConnections({ landing: { type: 'fs', root: 'x', rooot: 'y' } }, TYPES))).toContain("custom.sluice.connections.landing: unknown key 'rooot'");
    expect(message(() => parseConnections({ warehouse: { type: 'postgres', url: 'mysql://x' } }, TYPES))).toContain('custom.sluice.connections.warehouse.url');
    expect(message(() => parseConnections({ warehouse: { type: 'postgres', url: 'postgres://x', password: { vault: 'x' } } }, TYPES))).toContain(
      'custom.sluice.connections.warehouse.password',
    );
    expect(message(() => parseConnections({ warehouse: { type: 'postgres', url: 'postgres://x', password: { ssm: 'a', secretsManager: 'b' } } }, TYPES))).toContain(
      'custom.sluice.connections.warehouse.password',
    );
    expect(message(() => parseConnections({ '1bad': { type: 'fs', root: 'x' } }, TYPES))).toContain('custom.sluice.connections.1bad: a connection name starts with a letter');
    expect(message(() => parseConnections({ landing: 'fs' }, TYPES))).toContain("custom.sluice.connections.landing must be a map with a 'type'");
    expect(message(() => parseConnections(['x'], TYPES))).toContain('custom.sluice.connections must be a map');
  });

  it('checks a function grants only declared connections, once each', () => {
    const declared = parseConnections({ warehouse: { type: 'postgres', url: 'postgres://x' }, landing: { type: 'fs', root: 'x' } }, TYPES);
    expect(() => assertGrantedConnections(['warehouse', 'landing'], declared, 'load')).not.toThrow();
    expect(message(() => assertGrantedConnections(['warehous'], declared, 'load'))).toBe(
      "functions.load.sluice.connections: no connection 'warehous' in custom.sluice.connections (did you mean 'warehouse'?); declared: warehouse, landing",
    );
    expect(message(() => assertGrantedConnections(['landing', 'landing'], declared, 'load'))).toContain("'landing' is listed twice");
  });
});

describe('describeConnection (the start-up banner)', () => {
  it('shows where a connection points, never a credential', () => {
    const describe_ = (settings: Record<string, unknown>) => describeConnection({ name: 'c', type: String(settings.type), kind: 'db', settings });
    expect(describe_({ type: 'postgres', url: 'postgres://etl:hunter2@db.example.com:5432/dw' })).toBe('postgres://db.example.com:5432/dw');
    expect(describe_({ type: 'postgres', url: 'postgres://etl@db.example.com/dw?password=S3CRET&sslmode=require' })).toBe('postgres://db.example.com/dw?…');
    expect(describe_({ type: 'http', baseUrl: 'https://api.example.com/v1?api_key=K' })).not.toContain('K');
    expect(describe_({ type: 'database', url: { env: 'WAREHOUSE_URL' } })).toBe('(secret)');
    expect(describe_({ type: 'database', url: 'pglite:warehouse' })).toBe('pglite:warehouse (embedded)');
    expect(describe_({ type: 'pglite' })).toBe('pglite:c (embedded)');
    expect(describe_({ type: 's3', bucket: 'landing', prefix: 'flights/' })).toBe('s3://landing/flights/');
    expect(describe_({ type: 'smtp', url: 'smtps://etl:pw@mail.example.com:465' })).toBe('smtps://mail.example.com:465');
    expect(describe_({ type: 'http', baseUrl: 'https://crm.example.com/api', auth: { type: 'bearer', token: 'x' } })).toBe('https://crm.example.com/api');
  });
});
