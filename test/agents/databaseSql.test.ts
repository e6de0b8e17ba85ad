import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../lib/agents/database/isoTimestamp.js';
import { copyTextValue } from '../../lib/agents/database/loadValue.js';
import { quoteIdentifier } from '../../lib/agents/database/quoteIdentifier.js';
import { renderSql } from '../../lib/agents/database/renderSql.js';
import { sql } from '../../lib/core/agents/DatabaseAgent.js';

describe('renderSql', () => {
  it('renders the sql tag in each engine style and keeps native statements as written', () => {
    const statement = sql`SELECT * FROM t WHERE a = ${1} AND b = ${"x' OR '1'='1"}`;
    expect(renderSql(statement, undefined, '$n')).toEqual({ text: 'SELECT * FROM t WHERE a = $1 AND b = $2', values: [1, "x' OR '1'='1"] });
    expect(renderSql(statement, [], '?')).toEqual({ text: 'SELECT * FROM t WHERE a = ? AND b = ?', values: [1, "x' OR '1'='1"] });
    expect(renderSql('SELECT $1', [5], '$n')).toEqual({ text: 'SELECT $1', values: [5] });
    expect(() => renderSql(statement, [1], '$n')).toThrow(TypeError);
  });
});

describe('quoteIdentifier', () => {
  it('quotes plain names and schema.table, refuses anything else', () => {
    expect(quoteIdentifier('public.orders', '"', true)).toBe('"public"."orders"');
    expect(quoteIdentifier('Order_2', '`', false)).toBe('`Order_2`');
    for (const bad of ['a.b', 'a"b', 'a`b', '1abc', '', 'a b', 'x'.repeat(64)]) expect(quoteIdentifier(bad, '"', false)).toBeUndefined();
    expect(quoteIdentifier('a.b.c', '"', true)).toBeUndefined();
  });
});

describe('isoTimestamp', () => {
  it('reads PostgreSQL and MySQL timestamp text as ISO UTC', () => {
    expect(isoTimestamp('2026-11-29 12:00:00')).toBe('2026-11-29T12:00:00.000Z');
    expect(isoTimestamp('2026-11-29 12:00:00.123456')).toBe('2026-11-29T12:00:00.123Z');
    expect(isoTimestamp('2026-11-29 12:00:00.5+05:30')).toBe('2026-11-29T06:30:00.500Z');
    expect(isoTimestamp('2026-11-29 01:00:00-02')).toBe('2026-11-29T03:00:00.000Z');
    for (const text of ['infinity', '-infinity', '0000-00-00 00:00:00', '2026-00-01 00:00:00', '2026-11-29 12:00:00 BC', '10000-01-01 00:00:00', '0001-01-01 00:00:00+01']) expect(isoTimestamp(text)).toBe(text);
    // Years 0001-0099 too (Date.UTC would read them as 1900-1999).
    expect(isoTimestamp('0044-03-15 12:00:00')).toBe('0044-03-15T12:00:00.000Z');
    expect(isoTimestamp('0001-01-01 00:00:00+00')).toBe('0001-01-01T00:00:00.000Z');
    expect(isoTimestamp('9999-12-31 23:59:59.999')).toBe('9999-12-31T23:59:59.999Z');
  });
});

describe('copyTextValue', () => {
  it('escapes COPY text format', () => {
    expect(copyTextValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyTextValue(null)).toBe('\\N');
    expect(copyTextValue(undefined)).toBe('\\N');
    expect(copyTextValue('\\N')).toBe('\\\\N');
    expect(copyTextValue(new Uint8Array([0, 255]))).toBe('\\\\x00ff');
    expect(copyTextValue({ a: 'x\ty' })).toBe('{"a":"x\\\\ty"}');
    expect(copyTextValue(true)).toBe('t');
    expect(copyTextValue(10n ** 20n)).toBe('100000000000000000000');
  });
});
