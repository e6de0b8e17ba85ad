import type { ConnectionDeclaration } from './parseConnections.js';
import { isSecretRef } from './secretRef.js';

/**
 * Where a connection points, for people (the start-up banner): the URL, root
 * or bucket of its settings with any user and password removed; a setting
 * given as a secret reference shows as `(secret)`. Never a credential.
 */
export function describeConnection(connection: ConnectionDeclaration): string {
  const { settings } = connection;
  const shown = (value: unknown): string => {
    if (isSecretRef(value)) return '(secret)';
    if (typeof value !== 'string') return '';
    try {
      const url = new URL(value);
      if (url.username !== '' || url.password !== '') {
        url.username = '';
        url.password = '';
      }
      return url.protocol === 'pglite:' ? `${value.split('?')[0]} (embedded)` : url.toString();
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
