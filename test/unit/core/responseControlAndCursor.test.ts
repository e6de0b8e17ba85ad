/**
 * Two small core pieces whose every rule is a promise: `ctx.response`
 * (status range, header names, reserved headers, header injection) and the
 * opaque page cursors of both task stores.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { HttpResponseControl } from '../../../lib/core/execution/HttpResponseControl.js';
import { decodeCursor, encodeCursor } from '../../../lib/core/pageCursor.js';

/** The spec after one `header` call. */
const headersAfter = (name: string, value: string) => {
  const control = new HttpResponseControl();
  control.header(name, value);
  return control.spec().headers;
};

describe('ctx.response (HttpResponseControl)', () => {
  it('takes every integer status from 200 to 599 and nothing else', () => {
    for (const ok of [200, 201, 302, 404, 599]) expect(new HttpResponseControl().status(ok).constructor).toBe(HttpResponseControl);
    expect(new HttpResponseControl().status(200).status(599)).toBeInstanceOf(HttpResponseControl);
    for (const bad of [199, 600, 0, -200, 200.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new HttpResponseControl().status(bad), String(bad)).toThrow(new RangeError(`response status must be an integer from 200 to 599, got ${bad}`));
    }
  });

  it('reports no status until one is set, then the last one set', () => {
    const control = new HttpResponseControl();
    expect(control.spec()).toEqual({ headers: {} });
    expect(control.spec()).not.toHaveProperty('status');
    control.status(201);
    control.status(207);
    expect(control.spec()).toEqual({ status: 207, headers: {} });
  });

  it('lower-cases header names, keeps values as text, and chains', () => {
    const control = new HttpResponseControl();
    const chained = control.header('X-Rows', '3').header('Cache-Control', 'no-store').header('x-n', 7 as unknown as string);
    expect(chained).toBe(control);
    expect(control.spec()).toEqual({ headers: { 'x-rows': '3', 'cache-control': 'no-store', 'x-n': '7' } });
  });

  it('refuses header names that are not HTTP tokens', () => {
    for (const name of ['', 'x rows', 'x:rows', 'x\nrows', 'caf\u00e9', '(x)', 'x/y']) {
      expect(() => new HttpResponseControl().header(name, 'v'), JSON.stringify(name)).toThrow(new TypeError(`invalid response header name '${name}'`));
    }
    // Every token character is allowed.
    expect(headersAfter("!#$%&'*+.^_`|~09azAZ-", 'v')).toHaveProperty("!#$%&'*+.^_`|~09azaz-", 'v');
  });

  it('refuses the headers the platform sets itself, whatever their case', () => {
    for (const name of ['Content-Length', 'transfer-encoding', 'CONNECTION', 'X-Sluice-Task-Id']) {
      expect(() => new HttpResponseControl().header(name, '1')).toThrow(new TypeError(`response header '${name.toLowerCase()}' is set by the platform`));
    }
    expect(headersAfter('content-type', 'text/csv')).toEqual({ 'content-type': 'text/csv' });
  });

  it('refuses a value with CR, LF or NUL anywhere (header injection), and nothing is kept', () => {
    for (const value of ['a\r\nset-cookie: x', 'a\rb', 'a\nb', 'a\0b', '\n', 'end\r']) {
      const control = new HttpResponseControl();
      expect(() => control.header('x-v', value)).toThrow(/^response header 'x-v' contains a line break or NUL \(at index \d+\); percent-encode it$/);
      expect(control.spec().headers).toEqual({});
    }
    expect(headersAfter('x-v', 'tab\tand spaces ok')).toEqual({ 'x-v': 'tab\tand spaces ok' });
  });

  it('refuses any character a header field cannot carry (node would throw writing it), naming it; keeps Latin-1', () => {
    const cases: Array<[string, string]> = [['日本', 'U+65E5'], ['a\u0100', 'U+0100'], ['del\x7f', 'U+007F'], ['bell\x07', 'U+0007'], ['😀', 'U+1F600']];
    for (const [value, code] of cases) {
      const control = new HttpResponseControl();
      expect(() => control.header('x-name', value)).toThrow(`contains ${code}, which a header field cannot carry`);
      expect(control.spec().headers).toEqual({});
    }
    expect(headersAfter('x-name', 'caf\u00e9 \u00ff')).toEqual({ 'x-name': 'caf\u00e9 \u00ff' });
  });

  it('hands out copies: changing a spec changes nothing later', () => {
    const control = new HttpResponseControl();
    control.header('x-a', '1');
    control.spec().headers['x-a'] = 'changed';
    expect(control.spec().headers).toEqual({ 'x-a': '1' });
  });
});

describe('page cursors', () => {
  const shape = z.object({ createdAt: z.string(), taskId: z.string() });

  it('round-trip a position as URL-safe text', () => {
    const position = { createdAt: '2026-11-29T10:00:00.000Z', taskId: 'abc/+=é' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, shape)).toEqual(position);
  });

  it('refuse what is not JSON, and JSON of another shape, as a ValidationError on `cursor`', () => {
    const expected = { name: 'ValidationError', message: 'malformed cursor', issues: [{ path: 'cursor', message: 'not a cursor from a previous page' }] };
    for (const cursor of ['@@@', Buffer.from('{not json').toString('base64url'), '']) {
      expect(() => decodeCursor(cursor, shape), cursor).toThrow(expect.objectContaining({ ...expected, cause: expect.any(SyntaxError) }));
    }
    for (const value of [{ createdAt: 1, taskId: 'x' }, ['a'], null, 'text']) {
      expect(() => decodeCursor(encodeCursor(value), shape)).toThrow(expect.objectContaining({ ...expected, cause: expect.any(z.ZodError) }));
    }
  });
});
