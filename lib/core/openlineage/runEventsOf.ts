import type { DataEvent } from '../events/DataEvent.js';
import type { TaskSummary } from '../task/TaskRecord.js';
import { datasetOf } from './datasetOf.js';
import {
  FACET_SCHEMA_URLS,
  RUN_EVENT_SCHEMA_URL,
  RunEventType,
  type OpenLineageDataset,
  type OpenLineageRunEvent,
  type RunFacets,
} from './OpenLineageRunEvent.js';
import { runIdOf } from './runIdOf.js';

/** Who the events come from. */
export interface OpenLineageSource {
  /** The job namespace: the service, e.g. `shop` or `shop-prod` (`<service>-<stage>`). Also the namespace of identities that are not URIs. */
  namespace: string;
  /** A URI naming the producer (`producer` of every event, `_producer` of every facet), e.g. `https://github.com/acme/shop`. */
  producer: string;
  /** Sluice's version, written in a `processing_engine` run facet; none without it. */
  engineVersion?: string;
}

/** `nominalTime` run facet (NominalTimeRunFacet): the schedule time of a scheduled task. */
const NOMINAL_TIME_SCHEMA_URL = 'https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet';

/**
 * A task as an OpenLineage run (https://openlineage.io/docs/spec/run-cycle):
 * job = its process in `source.namespace`, run id = {@link runIdOf} the task.
 *
 * | task status | events |
 * |---|---|
 * | `queued` | none (not started; a retry waiting is also `queued`) |
 * | `running` | `START` |
 * | `succeeded` | `START`, `COMPLETE` |
 * | `failed` | `START`, `FAIL` with an `errorMessage` facet |
 * | `timed_out` | `START`, `ABORT` with an `errorMessage` facet |
 *
 * `START` is at `startedAt` (else `createdAt`), the final event at
 * `finishedAt` (else the start). Inputs are the distinct `source`s and
 * outputs the distinct `target`s of `events` (the task's published data
 * events), in emission order, each split by {@link datasetOf}; a dataset both
 * read and written is in both. Both events carry them: a task's events are
 * published with its final record, and backends merge the datasets of a run.
 *
 * Pure: the same task and events give the same events.
 */
export function runEventsOf(task: TaskSummary, events: readonly DataEvent[], source: OpenLineageSource): OpenLineageRunEvent[] {
  if (task.status === 'queued') return [];
  const startedAt = task.startedAt ?? task.createdAt;
  const ordered = [...events].filter((e) => e.taskId === task.taskId).sort((a, b) => a.attempt - b.attempt || a.sequence - b.sequence);
  const inputs = distinct(ordered.map((e) => datasetOf(e.source, source.namespace)));
  const outputs = distinct(ordered.map((e) => datasetOf(e.target, source.namespace)));
  const runId = runIdOf(task.taskId, Date.parse(task.createdAt));
  const event = (eventType: RunEventType, eventTime: string, facets: RunFacets): OpenLineageRunEvent => ({
    eventType,
    eventTime,
    producer: source.producer,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: Object.keys(facets).length ? { runId, facets } : { runId },
    job: { namespace: source.namespace, name: task.process },
    inputs: inputs.map((d) => ({ ...d })),
    outputs: outputs.map((d) => ({ ...d })),
  });
  const common = commonFacets(task, source);
  const start = event(RunEventType.start, startedAt, common);
  const finishedAt = task.finishedAt ?? startedAt;
  switch (task.status) {
    case 'running':
      return [start];
    case 'succeeded':
      return [start, event(RunEventType.complete, finishedAt, common)];
    case 'failed':
      return [start, event(RunEventType.fail, finishedAt, { ...common, ...errorFacet(task, source) })];
    case 'timed_out':
      return [start, event(RunEventType.abort, finishedAt, { ...common, ...errorFacet(task, source) })];
    // Stopped on purpose (POST /sluice/tasks/{id}/cancel): OpenLineage's ABORT, "the job has been stopped abnormally".
    case 'cancelled':
      return [start, event(RunEventType.abort, finishedAt, common)];
    default: {
      const unknown: never = task.status;
      throw new Error(`unknown task status '${String(unknown)}'`);
    }
  }
}

function commonFacets(task: TaskSummary, source: OpenLineageSource): RunFacets {
  const facets: RunFacets = {};
  if (source.engineVersion !== undefined) {
    facets.processing_engine = { _producer: source.producer, _schemaURL: FACET_SCHEMA_URLS.processingEngine, version: source.engineVersion, name: 'Sluice' };
  }
  if (task.trigger.type === 'schedule') {
    facets.nominalTime = { _producer: source.producer, _schemaURL: NOMINAL_TIME_SCHEMA_URL, nominalStartTime: task.trigger.scheduledTime };
  }
  return facets;
}

/** ErrorMessageRunFacet (https://github.com/OpenLineage/OpenLineage/blob/main/spec/facets/ErrorMessageRunFacet.json): message and language required. */
function errorFacet(task: TaskSummary, source: OpenLineageSource): RunFacets {
  const error = task.error;
  const message = error ? `${error.name}: ${error.message}` : task.status === 'timed_out' ? 'timed out' : 'failed';
  return {
    errorMessage: {
      _producer: source.producer,
      _schemaURL: FACET_SCHEMA_URLS.errorMessage,
      message,
      programmingLanguage: 'JavaScript',
      ...(error?.stack ? { stackTrace: error.stack } : {}),
    },
  };
}

function distinct(datasets: OpenLineageDataset[]): OpenLineageDataset[] {
  const seen = new Set<string>();
  return datasets.filter((d) => {
    const key = `${d.namespace}\u0000${d.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
