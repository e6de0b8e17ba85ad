/**
 * Sluice — the data process SDK.
 *
 * Import everything a process file needs from here:
 * `import { defineProcess, type Logic } from '../lib/index.js'`.
 */
export { defineProcess, processDefinitionOf, type ProcessHandler, type SluiceProcess } from './sdk/defineProcess.js';
export type {
  Aggregator,
  Logic,
  LogicContext,
  ProcessSpec,
  RailwayError,
  ResponseControl,
  SessionStorage,
  TaskInfo,
  TaskLogger,
} from './core/process/types.js';
export type { ApiPayload, HttpPayload, Payload, QueuePayload, SchedulePayload } from './core/task/Payload.js';
export type { TaskError, TaskRecord, TaskStatus } from './core/task/TaskRecord.js';
export { NonRetriableError, isNonRetriableError } from './core/errors.js';
