import { UserError } from '../core/errors.js';

/** One option a connector or format accepts, described once (Flink's `ConfigOption`). */
export interface OptionSpec {
  key: string;
  required?: boolean;
  /** The value used when the option is absent, as the user would write it. */
  default?: string;
  description: string;
  /** Returns an error message for a bad value, or undefined when it is fine. */
  check?: (value: string) => string | undefined;
}

/** The option schema of a connector: its own options and those of the formats it can use. */
export interface OptionSchema {
  options: OptionSpec[];
  /** Format name -> options of that format (keys already prefixed, e.g. `json.ignore-parse-errors`). */
  formats?: Record<string, OptionSpec[]>;
}

/** Options after validation: every key of the schema that has a value or a default. */
export type ResolvedOptions = ReadonlyMap<string, string>;

/**
 * Checks a table's WITH options against a connector's schema as Flink's factory helper does: every
 * required option present, no unknown option, values of the right form. Errors name the table and the
 * option and list the valid ones.
 */
export function validateOptions(table: string, connector: string, given: ReadonlyMap<string, string>, schema: OptionSchema): ResolvedOptions {
  const specs = new Map<string, OptionSpec>();
  for (const s of schema.options) specs.set(s.key, s);
  specs.set('connector', { key: 'connector', required: true, description: 'the connector' });
  const format = given.get('format');
  if (schema.formats) {
    if (format !== undefined && !(format in schema.formats)) {
      throw new UserError(`table "${table}": connector '${connector}' does not support format '${format}'`, {
        origin: `connector:${connector}`, hint: `use one of: ${Object.keys(schema.formats).join(', ')}`,
      });
    }
    if (format !== undefined) for (const s of schema.formats[format]!) specs.set(s.key, s);
  }
  const supported = [...specs.keys()].sort();
  const missing = [...specs.values()].filter((s) => s.required && !given.has(s.key)).map((s) => s.key);
  if (missing.length > 0) {
    throw new UserError(`table "${table}": missing required option${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} for connector '${connector}'`, {
      origin: `connector:${connector}`, hint: `supported options: ${supported.join(', ')}`,
    });
  }
  const unknown = [...given.keys()].filter((k) => !specs.has(k) && !isDynamicKey(k, specs));
  if (unknown.length > 0) {
    throw new UserError(`table "${table}": unsupported option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} for connector '${connector}'${format ? ` with format '${format}'` : ''}`, {
      origin: `connector:${connector}`, hint: `supported options: ${supported.join(', ')}`,
    });
  }
  const resolved = new Map<string, string>();
  for (const s of specs.values()) if (s.default !== undefined) resolved.set(s.key, s.default);
  for (const [k, v] of given) {
    const spec = specs.get(k) ?? dynamicSpec(k, specs);
    const problem = spec?.check?.(v);
    if (problem) {
      throw new UserError(`table "${table}": option '${k}' = '${v}' is invalid: ${problem}`, { origin: `connector:${connector}` });
    }
    resolved.set(k, v);
  }
  return resolved;
}

// Per-field options such as `fields.#.kind` are declared with `#` standing for a column name.
function dynamicSpec(key: string, specs: Map<string, OptionSpec>): OptionSpec | undefined {
  for (const [pattern, spec] of specs) {
    if (!pattern.includes('#')) continue;
    const [pre, post] = pattern.split('#') as [string, string];
    if (key.startsWith(pre) && key.endsWith(post) && key.length > pre.length + post.length) return spec;
  }
  return undefined;
}

function isDynamicKey(key: string, specs: Map<string, OptionSpec>): boolean {
  return dynamicSpec(key, specs) !== undefined;
}

/**
 * A boolean option: `checks.boolean` accepts any case ('TRUE'), so readers must not compare with
 * 'true' themselves. `fallback` when the option is absent.
 */
export function booleanOption(options: ReadonlyMap<string, string>, key: string, fallback: boolean): boolean {
  const v = options.get(key);
  return v === undefined ? fallback : v.trim().toLowerCase() === 'true';
}

/** Checks for option values. */
export const checks = {
  boolean: (v: string) => (/^(true|false)$/i.test(v) ? undefined : "expected 'true' or 'false'"),
  nonNegativeInt: (v: string) => (/^\d+$/.test(v) ? undefined : 'expected a whole number >= 0'),
  number: (v: string) => (v.trim() !== '' && Number.isFinite(Number(v)) ? undefined : 'expected a number'),
  oneOf: (...values: string[]) => (v: string) => (values.includes(v) ? undefined : `expected one of ${values.map((x) => `'${x}'`).join(', ')}`),
};
