import { jsonNestingExceeds, MAX_STORED_JSON_DEPTH } from '../boundedJson.js';
import type { TaskLogger } from '../process/types.js';
import type { LogEntry, LogLevel } from '../task/TaskRecord.js';

export interface LogLimits {
  /** Lines kept per task. Default 1000. */
  maxLines: number;
  /** Characters kept per task (messages + data). Default 256 KiB. */
  maxChars: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLines: 1000, maxChars: 256 * 1024 };

/**
 * Collects a task's log lines. Bounded, because logs are stored inside the
 * task record (DynamoDB items stop at 400 KB): past the limit one marker line
 * says how much was dropped. Freezes when the task ends, so a logic that
 * keeps running after its timeout cannot append to a stored record.
 */
export class TaskLogBuffer {
  readonly entries: LogEntry[] = [];
  #chars = 0;
  #dropped = 0;
  #frozen = false;

  constructor(
    private readonly now: () => number,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** A logger that tags every line with `logic`. */
  loggerFor(logic: string | undefined): TaskLogger {
    return new LogicLogger(this, logic);
  }

  append(level: LogLevel, message: unknown, data?: unknown, logic?: string): void {
    if (this.#frozen) return;
    const text = typeof message === 'string' ? message : String(message);
    const safeData = data === undefined ? undefined : toJsonSafe(data);
    const size = text.length + (safeData === undefined ? 0 : JSON.stringify(safeData).length);
    if (this.entries.length >= this.limits.maxLines - 1 || this.#chars + size > this.limits.maxChars) {
      this.#dropped++;
      return;
    }
    this.#chars += size;
    const entry: LogEntry = { time: new Date(this.now()).toISOString(), level, message: text };
    if (logic !== undefined) entry.logic = logic;
    if (safeData !== undefined) entry.data = safeData;
    this.entries.push(entry);
  }

  /** Stops accepting lines and returns them (with a truncation marker if any were dropped). */
  freeze(): LogEntry[] {
    if (!this.#frozen) {
      this.#frozen = true;
      if (this.#dropped > 0) {
        this.entries.push({
          time: new Date(this.now()).toISOString(),
          level: 'warn',
          message: `${this.#dropped} log line(s) dropped: a task keeps at most ${this.limits.maxLines} lines / ${this.limits.maxChars} characters`,
        });
      }
    }
    return this.entries;
  }
}

/** A class rather than closures: one allocation per logic, methods shared. */
class LogicLogger implements TaskLogger {
  constructor(
    private readonly buffer: TaskLogBuffer,
    private readonly logic: string | undefined,
  ) {}

  log(level: LogLevel, message: string, data?: unknown): void {
    this.buffer.append(level, message, data, this.logic);
  }
  debug(message: string, data?: unknown): void {
    this.log('debug', message, data);
  }
  info(message: string, data?: unknown): void {
    this.log('info', message, data);
  }
  warn(message: string, data?: unknown): void {
    this.log('warn', message, data);
  }
  error(message: string, data?: unknown): void {
    this.log('error', message, data);
  }
}

/** Errors become `{ name, message }`; anything else goes through a JSON round trip. */
function toJsonSafe(value: unknown): unknown {
  try {
    if (value instanceof Error) return { name: value.name, message: value.message };
    const raw = JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v));
    if (raw === undefined) return String(value);
    // Logs are stored and served as JSON: the same nesting limit as every JSON Sluice carries.
    if (jsonNestingExceeds(raw, MAX_STORED_JSON_DEPTH)) return `[data nested deeper than ${MAX_STORED_JSON_DEPTH} levels, not kept]`;
    return JSON.parse(raw);
  } catch (error) {
    if (error instanceof RangeError) return `[data nested deeper than ${MAX_STORED_JSON_DEPTH} levels, not kept]`;
    try {
      return String(value);
    } catch {
      return '[data that cannot be shown]';
    }
  }
}
