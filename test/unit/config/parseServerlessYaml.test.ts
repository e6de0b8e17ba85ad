import { describe, expect, it } from 'vitest';
import { parseServerlessYaml } from '../../../lib/config/parseServerlessYaml.js';
import { ConfigError } from '../../../lib/core/errors.js';

describe('parseServerlessYaml', () => {
  it('turns every CloudFormation short tag into its long form', () => {
    const parsed = parseServerlessYaml(
      `
getAtt: !GetAtt Queue.Arn
getAttDotted: !GetAtt Db.Endpoint.Address
getAttList: !GetAtt [Queue, Arn]
ref: !Ref Queue
sub: !Sub 'arn:aws:sqs:\${AWS::Region}:\${AWS::AccountId}:q'
subList: !Sub ['\${A}-x', { A: !Ref Name }]
join: !Join ['', [!Ref A, '-', !GetAtt B.Arn]]
if: !If [IsProd, 5, 1]
select: !Select [0, !GetAZs '']
split: !Split [',', 'a,b']
importValue: !ImportValue shared-queue-arn
findInMap: !FindInMap [Map, Key, Value]
base64: !Base64 text
equals: !Equals [!Ref Stage, prod]
not: !Not [!Condition IsProd]
and: !And [!Condition A, !Condition B]
or: !Or [!Condition A, !Condition B]
cidr: !Cidr [10.0.0.0/16, 4, 8]
`,
      'serverless.yml',
    );
    expect(parsed).toEqual({
      getAtt: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      getAttDotted: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
      getAttList: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      ref: { Ref: 'Queue' },
      sub: { 'Fn::Sub': 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:q' },
      subList: { 'Fn::Sub': ['${A}-x', { A: { Ref: 'Name' } }] },
      join: { 'Fn::Join': ['', [{ Ref: 'A' }, '-', { 'Fn::GetAtt': ['B', 'Arn'] }]] },
      if: { 'Fn::If': ['IsProd', 5, 1] },
      select: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      split: { 'Fn::Split': [',', 'a,b'] },
      importValue: { 'Fn::ImportValue': 'shared-queue-arn' },
      findInMap: { 'Fn::FindInMap': ['Map', 'Key', 'Value'] },
      base64: { 'Fn::Base64': 'text' },
      equals: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      not: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      and: { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] },
      or: { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] },
      cidr: { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] },
    });
  });

  it('takes the mapping form of a tag and merge keys', () => {
    const parsed = parseServerlessYaml(
      'b64: !Base64 { "Fn::Sub": "x" }\nbase: &base { a: 1, b: 2 }\nchild: { <<: *base, b: 3 }\n',
      'serverless.yml',
    );
    expect(parsed).toEqual({ b64: { 'Fn::Base64': { 'Fn::Sub': 'x' } }, base: { a: 1, b: 2 }, child: { a: 1, b: 3 } });
  });

  it('keeps schedule expressions and variables as text', () => {
    expect(parseServerlessYaml('a: cron(0 2 * * ? *)\nb: ${opt:stage, "dev"}\n', 'f.yml')).toEqual({ a: 'cron(0 2 * * ? *)', b: '${opt:stage, "dev"}' });
  });

  it('reports malformed YAML and duplicate keys as ConfigError naming the file', () => {
    expect(() => parseServerlessYaml('a: [1, 2', 'broken.yml')).toThrow(ConfigError);
    expect(() => parseServerlessYaml('a: [1, 2', 'broken.yml')).toThrow(/broken.yml is not valid YAML/);
    expect(() => parseServerlessYaml('a: 1\na: 2\n', 'dup.yml')).toThrow(/dup.yml is not valid YAML/);
  });
});
