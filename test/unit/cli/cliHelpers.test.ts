import { describe, expect, it } from 'vitest';
import { instantOption } from '../../../lib/cli/commandContext.js';
import { liftDashedIds } from '../../../lib/cli/liftDashedIds.js';
import { buildProgram } from '../../../lib/cli/main.js';
import { exitCodeOfAll } from '../../../lib/cli/waitForTasks.js';

describe('liftDashedIds', () => {
  const program = buildProgram();
  it('moves a task id that opens with a dash after --, leaving options and their values alone', () => {
    expect(liftDashedIds(['task', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV', '--follow'], program)).toEqual(['task', '--follow', '--', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV']);
    expect(liftDashedIds(['task', '--P7bx2iQbT9YJqPs1ZU_yAUdWmM9K', '--json'], program)).toEqual(['task', '--json', '--', '--P7bx2iQbT9YJqPs1ZU_yAUdWmM9K']);
    expect(liftDashedIds(['events', 'search', '--task', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV'], program)).toEqual(['events', 'search', '--task', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV']);
    expect(liftDashedIds(['tasks', '--idempotency-key', '--limit', '-h'], program)).toEqual(['tasks', '--idempotency-key', '--limit', '-h']);
    expect(liftDashedIds(['start', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV'], program)).toEqual(['start', '-P7bx2iQbT9YJqPs1ZU_yAUdWmM9KV']);
  });
});

describe('instantOption', () => {
  it('reads ISO-8601 and ages', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(instantOption('2h', now)).toBe('2026-11-29T10:00:00.000Z');
    expect(instantOption('7d', now)).toBe('2026-11-22T12:00:00.000Z');
    expect(instantOption('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(() => instantOption('yesterday')).toThrow(/ISO-8601/);
  });
});

describe('exitCodeOfAll', () => {
  it('a failure (or a line not submitted) wins over a timeout, a timeout over success', () => {
    expect(exitCodeOfAll(['succeeded', 'timed_out', 'failed'])).toBe(1);
    expect(exitCodeOfAll(['succeeded', 'not_submitted'])).toBe(1);
    expect(exitCodeOfAll(['succeeded', 'timed_out'])).toBe(2);
    expect(exitCodeOfAll(['succeeded'])).toBe(0);
  });
});
