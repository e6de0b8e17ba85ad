import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileConnection } from '../../lib/agents/files/createFileConnection.js';
import { AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import { fileTestScope } from './fileTestScope.js';

/** `readCsv` keys csv-parse's arrays itself (faster than `columns: true`): the records must be the ones `columns: true` gave. */
describe('readCsv records', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-csv-'));
  const connection = createFileConnection('landing', { type: 'fs', root }, { kind: 'embedded', serviceDir: root });
  const files = connection.forTask(fileTestScope('landing').scope);
  const read = async (name: string, text: string) => {
    writeFileSync(join(root, name), text);
    const out: Record<string, string>[] = [];
    for await (const record of files.readCsv(name)) out.push(record);
    return out;
  };

  afterAll(async () => {
    await connection.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keys each record by the header, values as strings, a later duplicate column winning', async () => {
    expect(await read('dup.csv', 'a,b,a\n1,2,3\n4,"5,6",7\n')).toEqual([
      { a: '3', b: '2' },
      { a: '7', b: '5,6' },
    ]);
  });

  it('keeps a __proto__ column an own property, not the prototype', async () => {
    const [record] = await read('proto.csv', '__proto__,x\n{},1\n');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record!)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe('{}');
  });

  it('refuses a record with more or fewer fields than the header', async () => {
    await expect(read('more.csv', 'a,b\n1,2\n3,4,5\n')).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(read('fewer.csv', 'a,b\n1\n')).rejects.toBeInstanceOf(AgentRefusedError);
  });

  it('gives no records for a header alone or an empty file', async () => {
    expect(await read('header.csv', 'a,b\n')).toEqual([]);
    expect(await read('empty.csv', '')).toEqual([]);
  });
});
