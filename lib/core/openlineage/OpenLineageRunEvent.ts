/**
 * OpenLineage run events (core spec 2-0-2), the subset Sluice produces.
 *
 * Spec: https://openlineage.io/spec/2-0-2/OpenLineage.json (the JSON Schema;
 * source https://github.com/OpenLineage/OpenLineage/blob/main/spec/OpenLineage.json),
 * object model https://openlineage.io/docs/spec/object-model, run cycle
 * https://openlineage.io/docs/spec/run-cycle. No JavaScript client or types
 * package is published, so the types are written here and checked against
 * `runEvent.schema.json` (a hand-written subset of the official schema) in
 * the tests.
 */

/** The `schemaURL` of every event: the RunEvent definition of core spec 2-0-2. */
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** `_schemaURL` of the facets Sluice writes (https://github.com/OpenLineage/OpenLineage/tree/main/spec/facets). */
export const FACET_SCHEMA_URLS = {
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  processingEngine: 'https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet',
} as const;

/**
 * Transitions of a run (https://openlineage.io/docs/spec/run-cycle): one
 * `START`, then one of `COMPLETE`, `ABORT`, `FAIL`; `RUNNING` and `OTHER`
 * add metadata on the way or afterwards.
 */
export const RunEventType = {
  start: 'START',
  running: 'RUNNING',
  complete: 'COMPLETE',
  abort: 'ABORT',
  fail: 'FAIL',
  other: 'OTHER',
} as const;
export type RunEventType = (typeof RunEventType)[keyof typeof RunEventType];

/**
 * What every facet carries (the spec's `BaseFacet`): who wrote it and the
 * schema it follows, both URIs. Facet fields of the spec start with `_` so
 * they never clash with a facet's own.
 */
export interface BaseFacet {
  _producer: string;
  _schemaURL: string;
  [field: string]: unknown;
}

/** `errorMessage` run facet (ErrorMessageRunFacet): why a run failed. */
export interface ErrorMessageRunFacet extends BaseFacet {
  message: string;
  /** e.g. `JavaScript`. */
  programmingLanguage: string;
  stackTrace?: string;
}

/** `processing_engine` run facet (ProcessingEngineRunFacet): what ran the job. */
export interface ProcessingEngineRunFacet extends BaseFacet {
  version: string;
  name?: string;
  openlineageAdapterVersion?: string;
}

export interface RunFacets {
  errorMessage?: ErrorMessageRunFacet;
  processing_engine?: ProcessingEngineRunFacet;
  [facet: string]: BaseFacet | undefined;
}

export interface OpenLineageRun {
  /** A UUID (v7 recommended: https://openlineage.io/docs/spec/naming#run-naming). */
  runId: string;
  facets?: RunFacets;
}

export interface OpenLineageJob {
  /** Usually the scheduler or service: for Sluice, the service (and stage). */
  namespace: string;
  /** Unique within the namespace: for Sluice, the process. */
  name: string;
  facets?: Record<string, BaseFacet>;
}

/**
 * A dataset: `namespace` (the datasource, `scheme://authority`) and `name`
 * (the dataset within it), see https://openlineage.io/docs/spec/naming.
 */
export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, BaseFacet>;
}

export interface OpenLineageInputDataset extends OpenLineageDataset {
  inputFacets?: Record<string, BaseFacet>;
}

export interface OpenLineageOutputDataset extends OpenLineageDataset {
  outputFacets?: Record<string, BaseFacet>;
}

/** A run event (the spec's `RunEvent`, which extends `BaseEvent`). */
export interface OpenLineageRunEvent {
  eventType: RunEventType;
  /** ISO-8601 date-time. */
  eventTime: string;
  /** URI of what produced the event, e.g. `https://github.com/sluice-dev/sluice`. */
  producer: string;
  /** {@link RUN_EVENT_SCHEMA_URL}. */
  schemaURL: string;
  run: OpenLineageRun;
  job: OpenLineageJob;
  inputs: OpenLineageInputDataset[];
  outputs: OpenLineageOutputDataset[];
}
