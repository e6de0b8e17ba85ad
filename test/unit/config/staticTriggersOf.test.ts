import { describe, expect, it } from 'vitest';
import type { ProcessManifest } from '../../../lib/config/ServiceManifest.js';
import { staticTriggersOf } from '../../../lib/config/staticTriggersOf.js';
import { staticTriggerId } from '../../../lib/core/triggers/TriggerService.js';
import { triggerSpec } from '../../../lib/core/triggers/TriggerSpec.js';

const process = (http: ProcessManifest['http']) => ({ name: 'orders', http, schedules: [], queues: [], subscriptions: [] }) as unknown as ProcessManifest;

describe('staticTriggersOf: a static route carries its authorizer in the API\'s form', () => {
  const statics = staticTriggersOf({
    processes: [
      process([
        { method: 'GET', path: '/orders', authorizer: { kind: 'jwt', name: 'users', scopes: ['orders.read'] } },
        { method: 'GET', path: '/orders/{id}', authorizer: { kind: 'jwt', name: 'users', scopes: [] } },
        { method: 'POST', path: '/orders/import', authorizer: { kind: 'iam' } },
        { method: 'POST', path: '/hooks', authorizer: { kind: 'request', name: 'gate' } },
        { method: 'GET', path: '/health' },
      ]),
    ],
  });

  it('jwt → { name, scopes } (no scopes key when none), request → { name }, iam → "aws_iam", none → public', () => {
    expect(statics.map((s) => s.spec)).toEqual([
      { kind: 'http', method: 'GET', path: '/orders', mode: 'sync', authorizer: { name: 'users', scopes: ['orders.read'] } },
      { kind: 'http', method: 'GET', path: '/orders/{id}', mode: 'sync', authorizer: { name: 'users' } },
      { kind: 'http', method: 'POST', path: '/orders/import', mode: 'sync', authorizer: 'aws_iam' },
      { kind: 'http', method: 'POST', path: '/hooks', mode: 'sync', authorizer: { name: 'gate' } },
      { kind: 'http', method: 'GET', path: '/health', mode: 'sync' },
    ]);
  });

  it('every spec is one the API accepts (the AWS deployment catalog validates statics with triggerSpec)', () => {
    for (const s of statics) expect(triggerSpec.parse(s.spec)).toEqual(s.spec);
  });

  it('ids do not depend on the authorizer: a pause stored before this field existed still applies', () => {
    for (const s of statics) {
      if (s.spec.kind !== 'http') throw new Error('http only here');
      const { authorizer: _, ...bare } = s.spec;
      expect(staticTriggerId(s.process, s.spec)).toBe(staticTriggerId(s.process, bare));
    }
  });
});
