import type { ConnectionDeclaration } from './parseConnections.js';
import { isSecretRef } from './secretRef.js';

/**
 * Where a connection points, for people (the start-up banner): the URL, root
 * or bucket of its settings with any user, password and query string removed; a setting
 * given as a secret reference shows as `(secret)`. Never a credential.
 */
export function describeConnection(connection: ConnectionDeclaration): string {
  const { settings } = connection;
  const shown = (value: unknown): string => {
    if (isSecretRef(value)) return '(secret)';
    if (typeof value !== 'string') return '';
    try {
      const url = new URL(value);
      url.username = '';
      url.password = '';
      // A query string can carry credentials too (`?password=`, `?api_key=`): never shown.
      const hadQuery = url.search !== '';
      url.search = '';
      return url.protocol === 'pglite:' ? `${value.split('?')[0]} (embedded)` : `${url.toString()}${hadQuery ? '?…' : ''}`;
    } catch {
      return value;
    }
  };
  switch (connection.type) {
    case 'pglite':
      return `pglite:${typeof settings.name === 'string' ? settings.name : connection.name} (embedded)`;
    case 'fs':
      return shown(settings.root);
    case 's3':
      return `s3://${String(settings.bucket)}/${typeof settings.prefix === 'string' ? settings.prefix : ''}`;
    case 'http':
      return shown(settings.baseUrl);
    default:
      return shown(settings.url);
  }
}
