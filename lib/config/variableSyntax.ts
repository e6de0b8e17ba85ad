import { ConfigError } from '../core/errors.js';

/**
 * Parser for Serverless Framework v3 variables (`${source:address, fallback}`)
 * in a string: the syntax only, no resolution (see `resolveVariables.ts`).
 *
 * Follows what osls accepts, so that a `serverless.yml` means the same to the
 * embedded runtime and to `serverless package`:
 * - a variable is `${` + a source type (`[a-z][a-zA-Z0-9]*`) + `:` or `(`;
 *   anything else (`${AWS::Region}`, `${LogicalId}` in `Fn::Sub`) is not a
 *   variable and stays as written;
 * - sources are separated by commas; the second and later ones are fallbacks
 *   and may be literals (`'dev'`, `"dev"`, `123`, `true`, `false`, `null`) or
 *   further sources written without `${}` (`env:X`, `self:custom.y`);
 * - params (`file(./x.yml)`) and the address may contain nested variables;
 * - `\${` is an escaped, literal `${`.
 */

/** A parsed string: literal text and variables, in order. */
export type Template = ReadonlyArray<string | VariableNode>;

export interface VariableNode {
  /** The variable as written, e.g. `${opt:stage, 'dev'}`; for messages. */
  readonly raw: string;
  /** The first is the primary source, the others fallbacks. */
  readonly sources: readonly SourceNode[];
}

export type SourceNode =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | {
      readonly kind: 'typed';
      /** `self`, `opt`, `env`, `file`, `ssm`, ... */
      readonly type: string;
      readonly params?: readonly Template[];
      readonly address?: Template;
    };

const TYPE_START = /[a-z]/;
const TYPE_CHAR = /[a-zA-Z0-9]/;
const LITERAL_CHAR = /[a-zA-Z0-9.\-_]/;

/** Parses `text`; throws {@link ConfigError} on a malformed variable. */
export function parseTemplate(text: string): Template {
  const parser = new Parser(text);
  const template = parser.template(new Set());
  return template;
}

/** Whether `text` contains something that may be a variable (cheap pre-check). */
export function mayContainVariables(text: string): boolean {
  return text.includes('${');
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** Reads literal text and variables until a stop character at depth 0 (or the end). */
  template(stops: ReadonlySet<string>): Template {
    const parts: Array<string | VariableNode> = [];
    let literal = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos] as string;
      if (stops.has(ch)) break;
      if (ch === '\\' && this.text.startsWith('${', this.pos + 1)) {
        // `\${` is an escaped `${`: keep the `${`, drop the backslash.
        literal += '${';
        this.pos += 3;
        continue;
      }
      if (ch === '$' && this.text[this.pos + 1] === '{') {
        const variable = this.variable();
        if (variable) {
          if (literal) parts.push(literal);
          literal = '';
          parts.push(variable);
          continue;
        }
        // Not a Serverless variable (e.g. `${AWS::Region}`): literal text.
        literal += '${';
        this.pos += 2;
        continue;
      }
      literal += ch;
      this.pos += 1;
    }
    if (literal) parts.push(literal);
    return parts;
  }

  /** At `${`: parses a variable, or returns undefined (position unchanged) when it is not one. */
  private variable(): VariableNode | undefined {
    const start = this.pos;
    let p = start + 2;
    if (!TYPE_START.test(this.text[p] ?? '')) return undefined;
    while (TYPE_CHAR.test(this.text[p] ?? '')) p += 1;
    const next = this.text[p];
    if (next !== ':' && next !== '(') return undefined;

    const type = this.text.slice(start + 2, p);
    this.pos = p;
    const sources: SourceNode[] = [this.typedSource(type, start)];
    for (;;) {
      this.skipSpaces();
      const ch = this.text[this.pos];
      if (ch === '}') {
        this.pos += 1;
        return { raw: this.text.slice(start, this.pos), sources };
      }
      if (ch === ',') {
        this.pos += 1;
        this.skipSpaces();
        sources.push(this.fallbackSource(start));
        continue;
      }
      throw this.error(start, ch === undefined ? 'it is not closed with }' : `unexpected '${ch}'`);
    }
  }

  /** At `:` or `(` right after the type name. */
  private typedSource(type: string, variableStart: number): SourceNode {
    let params: Template[] | undefined;
    if (this.text[this.pos] === '(') {
      this.pos += 1;
      params = [];
      for (;;) {
        this.skipSpaces();
        const ch = this.text[this.pos];
        if (ch === ')') {
          this.pos += 1;
          break;
        }
        if (ch === undefined) throw this.error(variableStart, 'its parameter list is not closed with )');
        if (ch === '"' || ch === "'") {
          params.push([this.quoted(variableStart)]);
        } else {
          params.push(trimTemplate(this.template(new Set([',', ')', '}']))));
        }
        this.skipSpaces();
        if (this.text[this.pos] === ',') this.pos += 1;
        else if (this.text[this.pos] !== ')') throw this.error(variableStart, 'its parameter list is not closed with )');
      }
    }
    let address: Template | undefined;
    if (this.text[this.pos] === ':') {
      this.pos += 1;
      const parsed = trimTemplate(this.template(new Set([',', '}'])));
      if (parsed.length > 0) address = parsed;
    }
    return { kind: 'typed', type, ...(params ? { params } : {}), ...(address ? { address } : {}) };
  }

  private fallbackSource(variableStart: number): SourceNode {
    const ch = this.text[this.pos];
    if (ch === '"' || ch === "'") return { kind: 'literal', value: this.quoted(variableStart) };
    if (ch === '$') {
      throw this.error(
        variableStart,
        'a fallback cannot be a nested ${...}; write the source without ${} (e.g. `${opt:stage, env:STAGE}`)',
      );
    }
    const tokenStart = this.pos;
    while (LITERAL_CHAR.test(this.text[this.pos] ?? '')) this.pos += 1;
    const token = this.text.slice(tokenStart, this.pos);
    const next = this.text[this.pos];
    if ((next === ':' || next === '(') && /^[a-z][a-zA-Z0-9]*$/.test(token)) {
      return this.typedSource(token, variableStart);
    }
    if (token === 'true') return { kind: 'literal', value: true };
    if (token === 'false') return { kind: 'literal', value: false };
    if (token === 'null') return { kind: 'literal', value: null };
    if (token !== '' && !Number.isNaN(Number(token))) return { kind: 'literal', value: Number(token) };
    throw this.error(
      variableStart,
      token === ''
        ? 'a fallback is missing after the comma'
        : `the fallback '${token}' is neither a source nor a literal; quote strings, e.g. '${token}'`,
    );
  }

  private quoted(variableStart: number): string {
    const quote = this.text[this.pos] as string;
    let p = this.pos + 1;
    while (p < this.text.length && this.text[p] !== quote) {
      if (quote === '"' && this.text[p] === '\\') p += 1;
      p += 1;
    }
    if (p >= this.text.length) throw this.error(variableStart, 'a quoted string in it is not closed');
    const body = this.text.slice(this.pos, p + 1);
    this.pos = p + 1;
    if (quote === "'") return body.slice(1, -1);
    try {
      return JSON.parse(body) as string;
    } catch (cause) {
      throw new ConfigError(`invalid string literal ${body} in "${this.text}"`, { cause });
    }
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ') this.pos += 1;
  }

  private error(variableStart: number, why: string): ConfigError {
    return new ConfigError(`malformed variable at index ${variableStart} of "${this.text}": ${why}`);
  }
}

function trimTemplate(template: Template): Template {
  const parts = [...template];
  const first = parts[0];
  if (typeof first === 'string') {
    const trimmed = first.trimStart();
    if (trimmed) parts[0] = trimmed;
    else parts.shift();
  }
  const lastIndex = parts.length - 1;
  const last = parts[lastIndex];
  if (typeof last === 'string') {
    const trimmed = last.trimEnd();
    if (trimmed) parts[lastIndex] = trimmed;
    else parts.pop();
  }
  return parts;
}
