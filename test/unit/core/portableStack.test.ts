import { describe, expect, it } from 'vitest';
import { executeTask } from '../../../lib/core/execution/executeTask.js';
import { portableStack } from '../../../lib/core/execution/portableStack.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';

const ROOT = '/home/alice/projects/shop';

describe('portableStack', () => {
  it('makes paths and file URLs inside the service root relative, and reduces the rest', () => {
    const stack = [
      `Error: cannot read ${ROOT}/data/input.csv`,
      `    at extract (${ROOT}/functions/orders.ts:12:5)`,
      `    at file://${ROOT}/functions/esm.mjs:3:9`,
      `    at parse (${ROOT}/node_modules/zod/v4/core.js:3:9)`,
      `    at run (/usr/lib/node_modules/sluice/lib/core/execution/executeTask.js:200:11)`,
      `    at other (/opt/elsewhere/with space/helper.js:1:2)`,
      `    at eval (eval at <anonymous> (file:///tmp/x/s.mjs:2:7), <anonymous>:1:1)`,
      '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
      '    at async Promise.all (index 0)',
    ].join('\n');
    expect(portableStack(stack, ROOT).split('\n')).toEqual([
      'Error: cannot read data/input.csv',
      '    at extract (functions/orders.ts:12:5)',
      '    at functions/esm.mjs:3:9',
      '    at parse (node_modules/zod/v4/core.js:3:9)',
      '    at run (node_modules/sluice/lib/core/execution/executeTask.js:200:11)',
      '    at other (<external>/helper.js:1:2)',
      '    at eval (eval at <anonymous> (<external>/s.mjs:2:7), <anonymous>:1:1)',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
      '    at async Promise.all (index 0)',
    ]);
  });

  it('treats every path as external without a root, and accepts a root with a trailing slash', () => {
    expect(portableStack(`E\n    at f (${ROOT}/a/b.js:1:2)`, undefined)).toBe('E\n    at f (<external>/b.js:1:2)');
    expect(portableStack(`E\n    at f (${ROOT}/a/b.js:1:2)`, `${ROOT}/`)).toBe('E\n    at f (a/b.js:1:2)');
  });

  it('is applied to the stack executeTask stores: no absolute path of this machine remains', async () => {
    const definition = buildProcessDefinition({ logics: [{ name: 'a', run: () => { throw new Error('boom'); } }], aggregator: { name: 'agg', run: () => 1 } });
    const invocation = { taskId: 't', process: 'p', attempt: 1, trigger: { type: 'api' as const }, payload: { type: 'api' as const, body: {} }, input: {} };
    const root = process.cwd();
    const outcome = await executeTask(definition, invocation, { clock: systemClock, timeoutMs: 1000, serviceRoot: root });
    expect(outcome.status).toBe('failed');
    const stack = outcome.status === 'failed' ? outcome.error.stack! : '';
    expect(stack).toContain('test/unit/core/portableStack.test.ts');
    expect(stack).not.toContain(root);
    expect(stack).not.toContain('file://');
  });
});
