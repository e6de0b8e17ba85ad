import type { OpenLineageDataset } from './OpenLineageRunEvent.js';

/** The namespace of a data identity that is not a URI, unless the caller gives one (the job namespace). */
export const DEFAULT_DATASET_NAMESPACE = 'sluice';

/**
 * Schemes whose dataset name is the path without its leading `/`: databases
 * (`{database}.{schema}.{table}`) and blob stores (`{object key}`), per the
 * naming table of https://openlineage.io/docs/spec/naming. Other schemes
 * (`file`, `hdfs`, `sftp`, `https`...) keep the path as it is (`{path}`).
 */
const NAME_WITHOUT_SLASH = new Set([
  'postgres',
  'mysql',
  'oracle',
  'teradata',
  'trino',
  'redshift',
  'snowflake',
  'cassandra',
  'sqlserver',
  'awsathena',
  's3',
  'gs',
  'wasbs',
  'abfss',
  'kafka',
]);

/** Aliases that name the same datasource as the scheme the naming table uses. */
const SCHEME_ALIASES: Record<string, string> = { postgresql: 'postgres', s3a: 's3', s3n: 's3', gcs: 'gs', mariadb: 'mysql' };

/** The naming table puts a port in these namespaces; a URI without one gets the server's default. */
const DEFAULT_PORTS: Record<string, string> = { postgres: '5432', mysql: '3306', oracle: '1521', trino: '8080', redshift: '5439', cassandra: '9042', sqlserver: '1433' };

const URI = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme://user:password@` (credentials have no place in lineage). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/**
 * Splits a data identity (a `DataEvent`'s `source` or `target`) into an
 * OpenLineage dataset `{ namespace, name }`, following
 * https://openlineage.io/docs/spec/naming (namespace = `scheme://authority`,
 * the datasource; name = the dataset within it):
 *
 * | identity | namespace | name |
 * |---|---|---|
 * | `postgres://warehouse:5432/analytics.public.orders` | `postgres://warehouse:5432` | `analytics.public.orders` |
 * | `mysql://db.example.com/shop.orders` | `mysql://db.example.com:3306` (default port added) | `shop.orders` |
 * | `s3://landing/flights/2026-11-29.csv` | `s3://landing` | `flights/2026-11-29.csv` |
 * | `file:///data/x.csv` | `file` | `/data/x.csv` |
 * | `file://nas/data/x.csv` | `file://nas` | `/data/x.csv` |
 * | `https://api.example.com/customers?page=2` | `https://api.example.com` | `/customers` |
 * | `warehouse.public.flights` (not a URI) | `fallbackNamespace` | `warehouse.public.flights` |
 *
 * Hosts are lowercased; `postgresql:`, `s3a:`, `gcs:` are written as the
 * naming table's `postgres:`, `s3:`, `gs:`; credentials (`user:pass@`),
 * query strings and fragments are dropped (a query may hold an API key). A
 * URI that does not parse, or names no dataset (`https://host/`… keeps `/`,
 * but `postgres://host` has no table), is a plain name in `fallbackNamespace`,
 * without its credentials.
 *
 * Deterministic and total: never throws.
 */
export function datasetOf(identity: string, fallbackNamespace: string = DEFAULT_DATASET_NAMESPACE): OpenLineageDataset {
  const plain = { namespace: fallbackNamespace, name: identity.replace(USERINFO, '$1') };
  if (!URI.test(identity)) return plain;
  let url: URL;
  try {
    url = new URL(identity);
  } catch {
    return plain;
  }
  const given = url.protocol.slice(0, -1).toLowerCase();
  const scheme = SCHEME_ALIASES[given] ?? given;
  const host = url.hostname.toLowerCase();
  const path = decodePath(url.pathname);
  if (scheme === 'file') return host ? { namespace: `file://${host}`, name: path || '/' } : { namespace: 'file', name: path || '/' };
  if (!host) return plain;
  const port = url.port || DEFAULT_PORTS[scheme];
  const namespace = `${scheme}://${host}${port ? `:${port}` : ''}`;
  const name = NAME_WITHOUT_SLASH.has(scheme) ? path.replace(/^\/+/, '') : path || '/';
  return name ? { namespace, name } : plain;
}

/** `%20` → ` `: names are compared as text by lineage backends; a malformed escape stays as written. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
