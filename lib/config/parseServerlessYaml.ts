import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigError } from '../core/errors.js';

/**
 * CloudFormation short-form tags and the long form each becomes. `!Ref X`
 * and `!Condition X` are not `Fn::` functions; every other tag is.
 */
const SHORT_TAGS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  Sub: 'Fn::Sub',
  Join: 'Fn::Join',
  If: 'Fn::If',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  ImportValue: 'Fn::ImportValue',
  FindInMap: 'Fn::FindInMap',
  Base64: 'Fn::Base64',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  GetAZs: 'Fn::GetAZs',
  Cidr: 'Fn::Cidr',
};

/**
 * `!GetAtt A.Arn` is the scalar form of `Fn::GetAtt: [A, Arn]`; the attribute
 * may itself contain dots (`!GetAtt Db.Endpoint.Address`), so split on the first.
 */
function getAttFromScalar(value: string): [string, string] | string {
  const dot = value.indexOf('.');
  return dot === -1 ? value : [value.slice(0, dot), value.slice(dot + 1)];
}

/** yaml custom tags for every CloudFormation short form, in scalar, sequence and mapping shape. */
export const cloudFormationTags: Tags = (Object.entries(SHORT_TAGS).flatMap(([short, long]) => [
  {
    tag: `!${short}`,
    resolve: (value: string) => ({ [long]: short === 'GetAtt' ? getAttFromScalar(value) : value }),
  },
  {
    tag: `!${short}`,
    collection: 'seq' as const,
    resolve: (seq: YAMLSeq.Parsed) => ({ [long]: seq.toJSON() as unknown }),
  },
  {
    tag: `!${short}`,
    collection: 'map' as const,
    resolve: (map: YAMLMap.Parsed) => ({ [long]: map.toJSON() as unknown }),
  },
]) as unknown as Tags);

/**
 * Parses `serverless.yml` (or a file it includes) into plain data, turning
 * CloudFormation short tags into their long form (`!GetAtt A.Arn` becomes
 * `{ 'Fn::GetAtt': ['A', 'Arn'] }`) and honouring `<<` merge keys as
 * js-yaml (which the Serverless Framework uses) does.
 *
 * @throws {ConfigError} naming the file and the YAML problem
 */
export function parseServerlessYaml(source: string, fileName: string): unknown {
  try {
    return parse(source, { customTags: cloudFormationTags, merge: true, prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`${fileName} is not valid YAML: ${why}`, { cause });
  }
}
