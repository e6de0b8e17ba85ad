import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { EmbeddedRuntime } from '../../../lib/embedded/runtime/EmbeddedRuntime.js';
import { silentRuntimeLog } from '../../../lib/embedded/runtime/RuntimeLog.js';
import { TempServices } from '../../unit/config/tempService.js';
import { TOKEN } from './runtimeHarness.js';

const temp = new TempServices();
const dataDirs: string[] = [];
afterAll(() => {
  temp.removeAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the embedded runtime on `yaml`; resolves to the start-up error (stopping the runtime if it started). */
async function startupError(yaml: string): Promise<Error> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-rt-'));
  dataDirs.push(dataDir);
  try {
    const runtime = await EmbeddedRuntime.start({ configPath: temp.create(yaml), dataDir, port: 0, apiToken: TOKEN, log: silentRuntimeLog });
    await runtime.stop();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the runtime started');
}

const service = (provider: string, events: string) => `service: svc
provider:
  name: aws
  runtime: nodejs22.x
${provider}functions:
  report:
    handler: functions/a.handler
    events:
${events}`;

describe('embedded runtime: a service AWS would not deploy does not start', () => {
  it('refuses a route API Gateway refuses (a greedy parameter not last), naming the function and the route', async () => {
    const error = await startupError(service('', "      - httpApi: 'GET /files/{path+}/meta'\n"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(
      "functions.report.events[0].httpApi: route 'GET /files/{path+}/meta' would be refused by API Gateway: the greedy parameter '{path+}' must be the last segment",
    );
  });

  it('refuses a misspelled provider key, naming it and the key meant', async () => {
    const error = await startupError(service('  timout: 3\n', "      - httpApi: 'GET /files/{path+}'\n"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("provider: unknown key 'timout' (did you mean 'timeout'?)");
  });
});
