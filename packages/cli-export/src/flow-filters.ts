/**
 * capture's `--flow-filters`, read as the AWS CLI reads its parameter of the same name: each value is
 * `file://path` (replaced by the file's text), a JSON array (one value), JSON objects, or the AWS CLI's
 * shorthand syntax (`SourceAddress={AddressDefinition=10.0.0.0/8},DestinationPort=443,Protocols=6,17`,
 * one filter per value). The shorthand grammar is a port of awscli/shorthand.py (ShorthandParser, then
 * the BackCompatVisitor step that turns a scalar given for a list member into a one-item list); the
 * result is checked against the FlowFilter shape as botocore's parameter validation does.
 */
import { readFileSync } from 'node:fs';
import type { FlowFilter } from '@aws-sdk/client-network-firewall';
import { UsageError } from './usage-error.js';

type Value = string | Value[] | { [key: string]: Value };

/** A syntax error at `index` of the shorthand text (the AWS CLI's ShorthandParseSyntaxError). */
class ShorthandSyntaxError extends Error {
  constructor(
    readonly expected: string,
    readonly index: number,
  ) {
    super(`expected ${expected} at character ${index + 1}`);
  }
}

// Character classes of awscli's ShorthandParser (_START_WORD, _FIRST_FOLLOW_CHARS, _SECOND_FOLLOW_CHARS).
const FIRST_VALUE = /^(?:\\,|[!#-&(-+\--<>-Z\\-z|-\uffff])(?:\\,|[\s!#-&(-+\--\\^-|~-\uffff])*/;
const SECOND_VALUE = /^(?:\\,|[!#-&(-+\--<>-Z\\-z|-\uffff])(?:\\,|[\s!#-&(-+\--<>-\uffff])*/;
const SINGLE_QUOTED = /^'(?:\\'|[^'])*'/;
const DOUBLE_QUOTED = /^"(?:\\"|[^"])*"/;
const KEY_CHARS = /[A-Za-z0-9\-_.#/:]/;
const WHITESPACE = /\s/;

class ShorthandParser {
  private i = 0;
  private files = false;
  constructor(private readonly text: string) {}

  parse(): { [key: string]: Value } {
    const params: { [key: string]: Value } = {};
    let [key, value] = this.keyval();
    params[key] = value;
    while (this.i < this.text.length) {
      this.expect(',', true);
      [key, value] = this.keyval();
      if (Object.hasOwn(params, key)) throw new ShorthandSyntaxError(`one ${key}= per filter`, this.i);
      params[key] = value;
    }
    return params;
  }

  private keyval(): [string, Value] {
    const key = this.key();
    this.atFile();
    this.expect('=', true);
    return [key, this.values()];
  }

  /** `key@=` reads its value from a file:// path. */
  private atFile(): void {
    this.whitespace();
    this.files = this.text[this.i] === '@';
    if (this.files) this.i++;
  }

  private key(): string {
    const start = this.i;
    while (this.i < this.text.length && KEY_CHARS.test(this.text[this.i]!)) this.i++;
    return this.text.slice(start, this.i);
  }

  private values(): Value {
    if (this.i >= this.text.length) return '';
    if (this.text[this.i] === '[') return this.explicitList();
    if (this.text[this.i] === '{') return this.hash();
    return this.csvValue();
  }

  private csvValue(): Value {
    const first = this.firstValue();
    this.whitespace();
    if (this.i >= this.text.length || this.text[this.i] !== ',') return first;
    this.expect(',', true);
    const list: string[] = [first];
    for (;;) {
      try {
        const current = this.secondValue();
        this.whitespace();
        if (this.i >= this.text.length) {
          list.push(current);
          break;
        }
        this.expect(',', true);
        list.push(current);
      } catch (error) {
        if (!(error instanceof ShorthandSyntaxError) || this.i >= this.text.length) throw error;
        // `a=b,c=d`: the comma belongs to the next key; back up to it.
        while (this.i >= 0 && this.text[this.i] !== ',') this.i--;
        break;
      }
    }
    return list.length === 1 ? first : list;
  }

  private explicitList(): Value[] {
    this.expect('[', true);
    const values: Value[] = [];
    while (this.current() !== ']') {
      values.push(this.explicitValue());
      this.whitespace();
      if (this.current() !== ']') {
        this.expect(',');
        this.whitespace();
      }
    }
    this.expect(']');
    return values;
  }

  private explicitValue(): Value {
    if (this.current() === '[') return this.explicitList();
    if (this.current() === '{') return this.hash();
    return this.firstValue();
  }

  private hash(): { [key: string]: Value } {
    this.expect('{', true);
    const out: { [key: string]: Value } = {};
    while (this.current() !== '}') {
      const key = this.key();
      this.atFile();
      this.expect('=', true);
      const v = this.explicitValue();
      this.whitespace();
      if (this.current() !== '}') {
        this.expect(',');
        this.whitespace();
      }
      out[key] = v;
    }
    this.expect('}');
    return out;
  }

  private firstValue(): string {
    const c = this.current();
    if (c === "'") return this.quoted(SINGLE_QUOTED, "'");
    if (c === '"') return this.quoted(DOUBLE_QUOTED, '"');
    const m = FIRST_VALUE.exec(this.text.slice(this.i));
    if (m === null) return '';
    this.i += m[0].length;
    return this.resolve(m[0].replaceAll('\\,', ',').trimEnd());
  }

  private secondValue(): string {
    const c = this.current();
    if (c === "'") return this.quoted(SINGLE_QUOTED, "'");
    if (c === '"') return this.quoted(DOUBLE_QUOTED, '"');
    const m = SECOND_VALUE.exec(this.text.slice(this.i));
    if (m === null) throw new ShorthandSyntaxError('a value', this.i);
    this.i += m[0].length;
    return this.resolve(m[0].replaceAll('\\,', ',').trimEnd());
  }

  private quoted(regex: RegExp, quote: string): string {
    const m = regex.exec(this.text.slice(this.i));
    if (m === null) throw new ShorthandSyntaxError(`a closing ${quote}`, this.i);
    this.i += m[0].length;
    return this.resolve(m[0].slice(1, -1).replaceAll(`\\${quote}`, quote).replaceAll('\\\\', '\\'));
  }

  private resolve(value: string): string {
    return this.files && value.startsWith('file://') ? readParamFile(value, '--flow-filters') : value;
  }

  private expect(char: string, skipWhitespace = false): void {
    if (skipWhitespace) this.whitespace();
    if (this.text[this.i] !== char) throw new ShorthandSyntaxError(`'${char}'`, this.i);
    this.i++;
    if (skipWhitespace) this.whitespace();
  }

  private current(): string | undefined {
    return this.text[this.i];
  }

  private whitespace(): void {
    while (this.i < this.text.length && WHITESPACE.test(this.text[this.i]!)) this.i++;
  }
}

function readParamFile(value: string, flag: string): string {
  try {
    return readFileSync(value.slice('file://'.length), 'utf8');
  } catch (error) {
    throw new UsageError(flag, value, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

function parseJson(text: string, flag: string, raw: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      flag,
      raw,
      'is not valid JSON',
      'e.g. [{"DestinationPort":"443","Protocols":["6"]}]',
    );
  }
}

/** `--flow-filters` values (one filter each, or one JSON array) -> FlowFilters, checked. */
export function parseFlowFilters(values: readonly string[], flag = '--flow-filters'): FlowFilter[] {
  const texts = values.map((v) => (v.startsWith('file://') ? readParamFile(v, flag) : v));
  let parsed: unknown[];
  if (texts.length === 1 && texts[0]!.trimStart().startsWith('[')) {
    const array = parseJson(texts[0]!, flag, values[0]!);
    if (!Array.isArray(array))
      throw new UsageError(flag, values[0], 'must be a JSON array of FlowFilter objects');
    parsed = array;
  } else {
    parsed = texts.map((text, i) => {
      if (text.trimStart().startsWith('{')) return parseJson(text, flag, values[i]!);
      try {
        return listMembersAsLists(new ShorthandParser(text).parse());
      } catch (error) {
        if (!(error instanceof ShorthandSyntaxError)) throw error;
        throw new UsageError(
          flag,
          values[i],
          `is not valid shorthand (${error.message})`,
          'e.g. SourceAddress={AddressDefinition=10.0.0.0/8},DestinationPort=443,Protocols=6,17',
        );
      }
    });
  }
  return checkFlowFilters(parsed, flag, values.join(' '));
}

/** The AWS CLI's BackCompatVisitor for FlowFilter: `Protocols=6` means `["6"]`. */
function listMembersAsLists(filter: { [key: string]: Value }): { [key: string]: Value } {
  const p = filter.Protocols;
  if (p !== undefined && !Array.isArray(p)) filter.Protocols = [p];
  return filter;
}

const ADDRESS_KEYS = ['SourceAddress', 'DestinationAddress'];
const STRING_KEYS = ['SourcePort', 'DestinationPort'];
const FILTER_KEYS = new Set([...ADDRESS_KEYS, ...STRING_KEYS, 'Protocols']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** FlowFilters as StartFlowCapture takes them: 1 to 20 objects of the FlowFilter shape, nothing else. */
export function checkFlowFilters(filters: unknown[], flag: string, raw: string): FlowFilter[] {
  const hint = 'FlowFilter keys: SourceAddress, DestinationAddress, SourcePort, DestinationPort, Protocols';
  if (filters.length < 1 || filters.length > 20)
    throw new UsageError(flag, raw, `has ${filters.length} filters; StartFlowCapture takes 1 to 20`);
  filters.forEach((f, i) => {
    const where = `filter ${i + 1}`;
    if (!isObject(f)) throw new UsageError(flag, raw, `${where} is not an object`, hint);
    for (const [key, value] of Object.entries(f)) {
      if (!FILTER_KEYS.has(key)) throw new UsageError(flag, raw, `${where} has an unknown key ${key}`, hint);
      const ok = ADDRESS_KEYS.includes(key)
        ? isObject(value) &&
          typeof value.AddressDefinition === 'string' &&
          Object.keys(value).every((k) => k === 'AddressDefinition')
        : key === 'Protocols'
          ? Array.isArray(value) && value.every((p) => typeof p === 'string')
          : typeof value === 'string';
      if (!ok)
        throw new UsageError(
          flag,
          raw,
          `${where}: ${key} has the wrong type`,
          key === 'Protocols'
            ? 'a list of protocol numbers as strings, e.g. ["6","17"]'
            : ADDRESS_KEYS.includes(key)
              ? `${key}={AddressDefinition=10.0.0.0/8}`
              : `${key} is a string, e.g. "443" or "1024:65535"`,
        );
    }
  });
  return filters as FlowFilter[];
}
