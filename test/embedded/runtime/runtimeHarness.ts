import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmbeddedRuntime, type EmbeddedRuntimeOptions } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import type { Clock } from '../../../lib/core/ports/Clock.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';

export const FIXTURE_CONFIG = resolve(import.meta.dirname, '../../fixtures/embedded/serverless.yml');
/** The repository's examples (they need their connections: a warehouse and file roots). */
export const EXAMPLES_CONFIG = resolve(import.meta.dirname, '../../../serverless.yml');
/** The demo shop: processes that need no connection (see its serverless.yml). */
export const DEMO_SHOP_CONFIG = resolve(import.meta.dirname, '../../fixtures/demo-shop/serverless.yml');
export const TOKEN = 'test-token-0123456789abcdef';

export interface Harness {
  runtime: EmbeddedRuntime;
  url: string;
  dataDir: string;
  /** The runtime's clock (a test's ManualClock, or the system's): what it checks token times against. */
  clock: Clock;
  /** fetch against the runtime; `auth: false` leaves out the bearer token. */
  call(path: string, init?: RequestInit & { auth?: boolean; json?: unknown }): Promise<{ status: number; headers: Headers; body: any }>;
  task(taskId: string): Promise<TaskRecord>;
  waitForTask(taskId: string, done?: (t: TaskRecord) => boolean): Promise<TaskRecord>;
  stop(): Promise<void>;
}

/** Starts the embedded runtime on a free port with a fresh data directory. */
export async function startHarness(options: Partial<EmbeddedRuntimeOptions> = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-rt-'));
  const runtime = await EmbeddedRuntime.start({
    configPath: FIXTURE_CONFIG,
    dataDir,
    port: 0,
    apiToken: TOKEN,
    log: silentRuntimeLog,
    ...options,
  });
  const url = runtime.url;
  const call: Harness['call'] = async (path, init = {}) => {
    const { auth = true, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (auth) headers.set('authorization', `Bearer ${TOKEN}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    const response = await fetch(`${url}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body };
  };
  const task = async (taskId: string) => (await call(`/sluice/tasks/${taskId}`)).body as TaskRecord;
  return {
    runtime,
    url,
    dataDir,
    clock: options.clock ?? systemClock,
    call,
    task,
    waitForTask: (taskId, done = (t) => ['succeeded', 'failed', 'timed_out'].includes(t.status)) =>
      eventually(async () => {
        const t = await task(taskId);
        return t && done(t) ? t : undefined;
      }, { what: `task ${taskId}` }),
    async stop() {
      await runtime.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
