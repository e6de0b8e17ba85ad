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
export type { ApiPayload, EventPayload, HttpAuth, HttpPayload, Payload, QueuePayload, SchedulePayload } from './core/task/Payload.js';
export type { DataEvent, DataEventInput, EventPage, EventQuery } from './core/events/DataEvent.js';
export type { DataEventAgent } from './core/agents/DataEventAgent.js';
export { DataEventRefusedError } from './core/events/dataEventRules.js';
export type { TaskError, TaskRecord, TaskStatus } from './core/task/TaskRecord.js';
export { NonRetriableError, RetryAfterError, isNonRetriableError } from './core/errors.js';
export { sql, type DatabaseAgent, type DatabaseTransaction, type LoadMode, type LoadOptions, type QueryResult, type SqlStatement } from './core/agents/DatabaseAgent.js';
export type { FileInfo, FileStorageAgent, PutOptions } from './core/agents/FileStorageAgent.js';
export type { HttpAgent } from './core/agents/HttpAgent.js';
export type { MailAgent, MailMessage } from './core/agents/MailAgent.js';
export { AgentError, AgentRefusedError, ConnectionNotGrantedError } from './core/agents/agentErrors.js';
