/**
 * The examples' data identities: the names their data events give the data
 * they read and write (`source`, `target` of `ctx.events.emit`), and so the
 * nodes of `GET /sluice/lineage`. One convention, built only here:
 *
 *   files://<connection>/<path>    a file of a file-storage connection   files://landing/flights/2001-01-01.csv
 *   db://<connection>/<table>      a table of a database connection      db://warehouse/flights
 *
 * The connection's name (serverless.yml's `custom.sluice.connections`) is
 * the authority, not its host or bucket: the identities stay the same when
 * the warehouse moves from PGlite to PostgreSQL or the landing zone from a
 * directory to S3, so lineage recorded before a switch still joins up with
 * lineage recorded after it. A file keeps the identity of where it was
 * landed (`files://landing/flights/<day>.csv`) after load-flights moves it
 * to `processed/`: the identity names the dataset, not its current place.
 *
 * Sluice compares identities as plain strings: build them with these
 * functions, never by hand, so that the two ends of an edge are equal.
 */

/** `files://<connection>/<path>`; `path` relative to the connection's root, without a leading `/`. */
export function fileIdentity(connection: string, path: string): string {
  return `files://${connection}/${path.replace(/^\/+/, '')}`;
}

/** `db://<connection>/<table>`. */
export function tableIdentity(connection: string, table: string): string {
  return `db://${connection}/${table}`;
}

/** The warehouse's tables, as lineage nodes. */
export const WAREHOUSE_TABLES = {
  flights: tableIdentity('warehouse', 'flights'),
  airports: tableIdentity('warehouse', 'airports'),
  delayStats: tableIdentity('warehouse', 'delay_stats'),
} as const;
