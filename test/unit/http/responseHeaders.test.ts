import { describe, expect, it } from 'vitest';
import { HttpResponseControl } from '../../../lib/core/execution/HttpResponseControl.js';
import { syncReply } from '../../../lib/http/httpResponses.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';

describe('ctx.response: repeated headers keep every value', () => {
  it('keeps each Set-Cookie apart, in order, whatever the name case', () => {
    const control = new HttpResponseControl();
    control.header('set-cookie', 'a=1').header('Set-Cookie', 'b=2').header('SET-COOKIE', 'c=3');
    expect(control.spec()).toEqual({ headers: {}, cookies: ['a=1', 'b=2', 'c=3'] });
  });

  it('joins list fields with ", " and replaces single-valued ones', () => {
    const control = new HttpResponseControl();
    control.header('cache-control', 'no-store').header('Cache-Control', 'private').header('content-type', 'text/csv').header('content-type', 'text/plain');
    control.header('location', '/a').header('location', '/b');
    expect(control.spec()).toEqual({ headers: { 'cache-control': 'no-store, private', 'content-type': 'text/plain', location: '/b' } });
  });

  it('carries the cookies into the reply of a succeeded and of a failed task', () => {
    const control = new HttpResponseControl();
    control.header('set-cookie', 'a=1').header('set-cookie', 'b=2');
    const base = { taskId: 't', process: 'p', trigger: { type: 'api' }, createdAt: '', attempts: 1, logs: [] } as unknown as TaskRecord;
    expect(syncReply({ ...base, status: 'succeeded', result: 1 }, control.spec()).cookies).toEqual(['a=1', 'b=2']);
    control.status(404);
    expect(syncReply({ ...base, status: 'failed', error: { kind: 'logic', name: 'E', message: 'm' } }, control.spec())).toMatchObject({ status: 404, cookies: ['a=1', 'b=2'] });
    expect('cookies' in syncReply({ ...base, status: 'succeeded', result: 1 }, { headers: {} })).toBe(false);
  });
});
