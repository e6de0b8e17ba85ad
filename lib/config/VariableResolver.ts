import { readFileSync } from 'node:fs';
import { extname, resolve as resolvePath } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { parseServerlessYaml } from './parseServerlessYaml.js';
import { mayContainVariables, parseTemplate, type SourceNode, type Template, type VariableNode } from './variableSyntax.js';

/** What variables may read besides the configuration itself. */
export interface VariableContext {
  /** Directory of `serverless.yml`; `file(...)` paths resolve against it. */
  serviceDir: string;
  /** CLI-like options: `${opt:stage}`, `${opt:region}`. */
  options: { stage?: string; region?: string };
  env: NodeJS.ProcessEnv;
}

export type PathKey = string | number;

/** Outcome of asking one source for a value. */
type SourceOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'missing'; why: string }
  | { kind: 'unsupported'; why: string };

/**
 * Resolves Serverless Framework variables in a parsed `serverless.yml`, on
 * demand: only the parts the caller asks for are resolved, so a `${ssm:...}`
 * in a part the embedded runtime never reads (say `provider.deploymentBucket`)
 * does not stop it.
 *
 * Supported sources: `self:`, `opt:stage|region`, `sls:stage|instanceId`,
 * `env:`, `aws:region`, `param:` (from `params:` in the file), `file(path)`
 * (YAML, JSON or text, relative to the service directory) and
 * `strToBool(...)`. Sources that need AWS (`ssm:`, `cf:`, `s3:`,
 * `aws:accountId`) or a plugin use their fallback when one is given;
 * otherwise resolution fails with a {@link ConfigError} naming the variable
 * and where it is (e.g. `functions.x.environment.DB_URL`).
 *
 * @example
 * const resolver = new VariableResolver(parsedYaml, { serviceDir, options: { stage: 'prod' }, env: process.env });
 * const environment = resolver.resolve(['provider', 'environment']);
 */
export class VariableResolver {
  /** Shallow results by path: the node at the path with its own variables resolved. */
  private readonly nodes = new Map<string, unknown>();
  /** Deep results by path. */
  private readonly deep = new Map<string, unknown>();
  /** Paths being resolved, to report circular references instead of overflowing the stack. */
  private readonly inProgress: string[] = [];
  private readonly files = new Map<string, unknown>();

  constructor(
    private readonly root: unknown,
    private readonly context: VariableContext,
  ) {}

  /** The fully resolved value at `path`, or undefined when there is none. */
  resolve(path: readonly PathKey[]): unknown {
    const key = pathKey(path);
    if (this.deep.has(key)) return this.deep.get(key);
    this.enter(key, path);
    try {
      const node = this.node(path);
      let value: unknown = node;
      if (Array.isArray(node)) {
        value = node.map((_, index) => this.resolve([...path, index]));
      } else if (isPlainObject(node)) {
        const out: Record<string, unknown> = {};
        for (const child of Object.keys(node)) out[child] = this.resolve([...path, child]);
        value = out;
      }
      this.deep.set(key, value);
      return value;
    } finally {
      this.inProgress.pop();
    }
  }

  /**
   * The node at `path` with only its own variables resolved (children of an
   * object stay as written). Use it to look at keys before deciding what to
   * resolve.
   */
  node(path: readonly PathKey[]): unknown {
    const key = pathKey(path);
    if (this.nodes.has(key)) return this.nodes.get(key);
    let value: unknown;
    if (path.length === 0) {
      value = this.root;
    } else {
      const parent = this.node(path.slice(0, -1));
      const last = path[path.length - 1] as PathKey;
      value = child(parent, last);
      if (typeof value === 'string' && mayContainVariables(value)) {
        this.enter(`${key}\u0001`, path);
        try {
          value = this.resolveString(value, path);
        } finally {
          this.inProgress.pop();
        }
      }
    }
    this.nodes.set(key, value);
    return value;
  }

  /** Resolves the variables in one string found at `place`. */
  resolveString(text: string, place: readonly PathKey[]): unknown {
    let template: Template;
    try {
      template = parseTemplate(text);
    } catch (cause) {
      throw new ConfigError(`${formatPath(place)}: ${(cause as Error).message}`, { cause });
    }
    return this.evaluateTemplate(template, place);
  }

  private evaluateTemplate(template: Template, place: readonly PathKey[]): unknown {
    if (template.length === 1 && typeof template[0] !== 'string') {
      // The whole string is one variable: keep the value's type (number, object...).
      return this.evaluateVariable(template[0] as VariableNode, place);
    }
    let out = '';
    for (const part of template) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = this.evaluateVariable(part, place);
      if (typeof value === 'object' && value !== null) {
        throw new ConfigError(
          `${formatPath(place)}: ${part.raw} resolves to an object or a list, which cannot be part of a longer string`,
        );
      }
      out += String(value);
    }
    return out;
  }

  private evaluateVariable(variable: VariableNode, place: readonly PathKey[]): unknown {
    const problems: Array<Exclude<SourceOutcome, { kind: 'value' }>> = [];
    for (const source of variable.sources) {
      const outcome = this.evaluateSource(source, variable, place);
      if (outcome.kind === 'value' && outcome.value !== undefined) {
        if (outcome.value !== null || source.kind === 'literal') return outcome.value;
        problems.push({ kind: 'missing', why: 'its value is null' });
        continue;
      }
      if (outcome.kind !== 'value') problems.push(outcome);
    }
    const unsupported = problems.find((problem) => problem.kind === 'unsupported');
    const reasons = problems.map((problem) => problem.why).join('; ');
    throw new ConfigError(
      unsupported
        ? `${formatPath(place)}: cannot resolve ${variable.raw}: ${reasons}. Give it a fallback the embedded runtime can use, e.g. \${ssm:/path, env:NAME}`
        : `${formatPath(place)}: cannot resolve ${variable.raw}: ${reasons}, and no fallback is given`,
    );
  }

  private evaluateSource(source: SourceNode, variable: VariableNode, place: readonly PathKey[]): SourceOutcome {
    if (source.kind === 'literal') return { kind: 'value', value: source.value };
    const params = (source.params ?? []).map((param) => this.evaluateTemplate(param, place));
    const addressValue = source.address ? this.evaluateTemplate(source.address, place) : undefined;
    if (addressValue !== undefined && typeof addressValue !== 'string' && typeof addressValue !== 'number') {
      throw new ConfigError(`${formatPath(place)}: the address of ${variable.raw} does not resolve to a string`);
    }
    const address = addressValue === undefined ? undefined : String(addressValue);

    switch (source.type) {
      case 'self':
        return this.fromSelf(address ?? '');
      case 'opt': {
        if (address === 'stage' || address === 'region') {
          const value = this.context.options[address];
          return value === undefined ? { kind: 'missing', why: `option --${address} is not given` } : { kind: 'value', value };
        }
        return { kind: 'missing', why: `option ${address ?? '(none)'} is not available to the embedded runtime` };
      }
      case 'sls':
        if (address === 'stage') return { kind: 'value', value: this.stage() };
        if (address === 'instanceId') return { kind: 'value', value: String(Date.now()) };
        throw new ConfigError(`${formatPath(place)}: ${variable.raw}: unknown "sls" address '${address ?? ''}'`);
      case 'env': {
        if (!address) throw new ConfigError(`${formatPath(place)}: ${variable.raw}: "env" needs a variable name`);
        const value = this.context.env[address];
        return value === undefined ? { kind: 'missing', why: `environment variable ${address} is not set` } : { kind: 'value', value };
      }
      case 'aws':
        if (address === 'region') return { kind: 'value', value: this.region() };
        return { kind: 'unsupported', why: `aws:${address ?? ''} needs AWS credentials` };
      case 'param':
        return this.fromParams(address ?? '');
      case 'strToBool':
        return { kind: 'value', value: strToBool(params[0], variable, place) };
      case 'file':
        return this.fromFile(params[0], address, variable, place);
      case 'ssm':
      case 'cf':
      case 's3':
        return { kind: 'unsupported', why: `the ${source.type}: source needs AWS` };
      default:
        return { kind: 'unsupported', why: `the ${source.type}: source is not available to the embedded runtime` };
    }
  }

  /** `${sls:stage}`: the option, else `provider.stage`, else dev (as the Serverless Framework). */
  stage(): string {
    const fromOptions = this.context.options.stage;
    if (fromOptions !== undefined) return fromOptions;
    const fromProvider = this.resolve(['provider', 'stage']);
    return fromProvider === undefined || fromProvider === null ? 'dev' : String(fromProvider);
  }

  /** `${aws:region}`: the option, else `provider.region`, else us-east-1. */
  region(): string {
    const fromOptions = this.context.options.region;
    if (fromOptions !== undefined) return fromOptions;
    const fromProvider = this.resolve(['provider', 'region']);
    return fromProvider === undefined || fromProvider === null ? 'us-east-1' : String(fromProvider);
  }

  private fromSelf(address: string): SourceOutcome {
    const path = address === '' ? [] : address.split('.');
    const value = this.resolve(path);
    return value === undefined ? { kind: 'missing', why: `self:${address} is not set` } : { kind: 'value', value };
  }

  private fromParams(name: string): SourceOutcome {
    const stage = this.stage();
    for (const group of [stage, 'default']) {
      const value = this.resolve(['params', group, name]);
      if (value !== undefined && value !== null) return { kind: 'value', value };
    }
    return { kind: 'missing', why: `param ${name} is not set under params.${stage} nor params.default` };
  }

  private fromFile(
    pathParam: unknown,
    address: string | undefined,
    variable: VariableNode,
    place: readonly PathKey[],
  ): SourceOutcome {
    if (typeof pathParam !== 'string' || pathParam === '') {
      throw new ConfigError(`${formatPath(place)}: ${variable.raw}: file() needs a path`);
    }
    const filePath = resolvePath(this.context.serviceDir, pathParam);
    const extension = extname(filePath);
    if (['.js', '.cjs', '.mjs', '.ts'].includes(extension)) {
      return { kind: 'unsupported', why: `file(${pathParam}) is code, which the embedded runtime does not run` };
    }
    let content = this.files.get(filePath);
    if (!this.files.has(filePath)) {
      content = readConfigFile(filePath, extension);
      this.files.set(filePath, content);
    }
    if (content === undefined) return { kind: 'missing', why: `file ${pathParam} does not exist` };
    // Variables inside the included file resolve like any other: relative to
    // this service, at the place that includes it.
    let value: unknown = content;
    for (const segment of address ? address.split('.') : []) {
      if (typeof value === 'string' && mayContainVariables(value)) value = this.resolveString(value, place);
      value = child(value, segment);
      if (value === undefined) return { kind: 'missing', why: `file ${pathParam} has no ${address}` };
    }
    return { kind: 'value', value: this.resolveDetached(value, place) };
  }

  /** Deeply resolves a value that does not live in the configuration tree (file content). */
  private resolveDetached(value: unknown, place: readonly PathKey[]): unknown {
    if (typeof value === 'string') return mayContainVariables(value) ? this.resolveString(value, place) : value;
    if (Array.isArray(value)) return value.map((item) => this.resolveDetached(item, place));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.resolveDetached(item, place);
      return out;
    }
    return value;
  }

  private enter(key: string, path: readonly PathKey[]): void {
    if (this.inProgress.includes(key)) {
      throw new ConfigError(`${formatPath(path)}: circular variable reference`);
    }
    this.inProgress.push(key);
  }
}

function readConfigFile(filePath: string, extension: string): unknown {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${filePath}: ${(cause as Error).message}`, { cause });
  }
  if (extension === '.yml' || extension === '.yaml') return parseServerlessYaml(text, filePath);
  if (extension === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ConfigError(`${filePath} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  return text;
}

function strToBool(input: unknown, variable: VariableNode, place: readonly PathKey[]): boolean {
  const text = typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean' ? String(input).trim().toLowerCase() : undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ConfigError(
    `${formatPath(place)}: ${variable.raw}: strToBool expects true, false, 1 or 0, got ${JSON.stringify(input)}`,
  );
}

function child(parent: unknown, key: PathKey): unknown {
  if (Array.isArray(parent)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : NaN;
    return Number.isInteger(index) ? parent[index] : undefined;
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, key)) return parent[String(key)];
  return undefined;
}

function pathKey(path: readonly PathKey[]): string {
  return path.join('\u0000');
}

/** `functions.x.events[0].httpApi`: how places are named in errors. */
export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((out, key, index) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return index === 0 ? key : `${out}.${key}`;
  }, '');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
