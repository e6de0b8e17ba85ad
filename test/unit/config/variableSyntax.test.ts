import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../lib/config/variableSyntax.js';
import { ConfigError } from '../../../lib/core/errors.js';

describe('parseTemplate', () => {
  it('parses a source with an address and literal fallbacks of every kind', () => {
    expect(parseTemplate("${opt:stage, 'dev'}")).toEqual([
      {
        raw: "${opt:stage, 'dev'}",
        sources: [
          { kind: 'typed', type: 'opt', address: ['stage'] },
          { kind: 'literal', value: 'dev' },
        ],
      },
    ]);
    const [variable] = parseTemplate('${env:A, "x\\"y", 12.5, true, false, null}');
    expect(variable).toMatchObject({
      sources: [
        { kind: 'typed', type: 'env' },
        { kind: 'literal', value: 'x"y' },
        { kind: 'literal', value: 12.5 },
        { kind: 'literal', value: true },
        { kind: 'literal', value: false },
        { kind: 'literal', value: null },
      ],
    });
  });

  it('parses source fallbacks, params and nested variables in addresses and params', () => {
    const [variable] = parseTemplate('${file(./config/${sls:stage}.yml):db.url, env:DB_URL, self:custom.db}');
    expect(variable).toMatchObject({
      sources: [
        {
          kind: 'typed',
          type: 'file',
          params: [['./config/', { raw: '${sls:stage}' }, '.yml']],
          address: ['db.url'],
        },
        { kind: 'typed', type: 'env', address: ['DB_URL'] },
        { kind: 'typed', type: 'self', address: ['custom.db'] },
      ],
    });
    const [nested] = parseTemplate('${self:custom.${opt:stage}.url}');
    expect(nested).toMatchObject({ sources: [{ type: 'self', address: ['custom.', { raw: '${opt:stage}' }, '.url'] }] });
  });

  it('keeps text around variables, CloudFormation ${...} and escaped \\${', () => {
    expect(parseTemplate('arn:${AWS::Partition}:sqs:${self:provider.region}:${AccountId}:q \\${literal}')).toEqual([
      'arn:${AWS::Partition}:sqs:',
      { raw: '${self:provider.region}', sources: [{ kind: 'typed', type: 'self', address: ['provider.region'] }] },
      ':${AccountId}:q ${literal}',
    ]);
    expect(parseTemplate('no variables')).toEqual(['no variables']);
    expect(parseTemplate('${strToBool(true)}')).toMatchObject([{ sources: [{ type: 'strToBool', params: [['true']] }] }]);
  });

  it('rejects malformed variables', () => {
    expect(() => parseTemplate('${opt:stage')).toThrow(ConfigError);
    expect(() => parseTemplate('${opt:stage, dev}')).toThrow(/quote strings/);
    expect(() => parseTemplate('${opt:stage, ${env:STAGE}}')).toThrow(/cannot be a nested/);
    expect(() => parseTemplate('${opt:stage,}')).toThrow(/missing after the comma/);
    expect(() => parseTemplate('${file(./a.yml}')).toThrow(/not closed/);
  });
});
