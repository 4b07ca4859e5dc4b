import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError, WeirError } from '../core/errors.js';
import {
  type ColumnType,
  type OutputColumn,
  convertValue,
  describe,
  parseColumnType,
  parseOutputColumns,
} from './column-types.js';
import { rewriteForNode } from './onnx-proto.js';

/** Element types weir can feed to and read from a model. */
export type ElementType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'bool' | 'string';

/** One model input or output as the model declares it. */
export interface ValueSignature {
  name: string;
  /** False for values onnxruntime-node cannot return (sequences, maps). */
  isTensor: boolean;
  /** Element type, e.g. `float32`; absent for non-tensors. */
  type?: string;
  /** Dimensions: a number when fixed, a string (possibly empty) when symbolic; absent for non-tensors. */
  shape?: (number | string)[];
}

/** The input/output signature of a model, stored in the registry and shown by `weir model list`. */
export interface ModelSignature {
  inputs: ValueSignature[];
  outputs: ValueSignature[];
  /** Class labels of a classifier, when the model declares them. */
  classLabels?: (number | string)[];
  /** Outputs that were ZipMaps (sequences of maps) and are read as `[N, classes]` tensors. */
  zipMapOutputs?: string[];
}

/** Session settings; the defaults suit small models scored inside a stream. */
export interface OnnxModelOptions {
  /** Threads inside one operator; default 1, because a stream job runs many models and operators on few cores. */
  intraOpNumThreads?: number;
  /** Threads across operators; default 1. */
  interOpNumThreads?: number;
  /** Default `all`. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Let idle onnxruntime threads spin; default false, since spinning burns a core between small batches. */
  allowSpinning?: boolean;
  /** Rows per `session.run()`; larger calls are split. Default 4096. */
  maxBatchRows?: number;
  /** Class labels of a classifier, overriding what the model declares (or `0..classes-1` when it declares none). */
  classLabels?: (number | string)[];
  /** A name for error messages; default the file name. */
  name?: string;
}

/**
 * How rows map to a model.
 *
 * Inputs: with one model input tensor, `inputs` lists the row columns stacked in order as an `[N, k]`
 * tensor of the input's element type. With several model inputs, each input reads the column of the
 * same name (`inputs` lists them), or `inputs` is a record `{ inputName: column | columns }`; an input
 * of shape `[N]` or `[N, 1]` takes one column, `[N, k]` takes k.
 *
 * Outputs: the declared output columns (`score DOUBLE, label BIGINT` or objects) in order. A column
 * gets its value from, in this order:
 * 1. its `from` (an output and an element index or class label);
 * 2. the model output of the same name (one value per row);
 * 3. for a classifier (an `output_label`/`label` output and an `output_probability`/`probabilities`
 *    output, as skl2onnx writes them, with or without ZipMap): a column named `label`, `prediction`,
 *    `predicted_label` or `class` gets the label; `prob_<class>` (also `probability_`, `proba_`, `p_`,
 *    `score_`) gets that class's probability; of the columns left, a single one gets the probability of
 *    the positive (last) class, or as many as there are classes get one class each, in class order;
 * 4. otherwise the columns left are filled in order from the values of the outputs not yet used, output
 *    by output, e.g. a `[N, 3]` output fills three columns.
 * Declared types convert the values; without a type, numbers stay numbers and int64 becomes a number.
 */
export interface ScoreMapping {
  inputs: readonly string[] | Readonly<Record<string, string | readonly string[]>>;
  outputs: readonly OutputColumn[] | string;
}

/** The result for one row of {@link OnnxModel.scoreSettled}: its output columns, or why it could not be scored. */
export type ScoredRow = { ok: true; output: Record<string, unknown> } | { ok: false; error: UserError };

/**
 * Rows as positional arrays (SQL rows), for {@link OnnxModel.scoreBatch}: the mapping's c-th input
 * column (`mapping.inputs[c]`, which must be a list) is `row[indexes[c]]`.
 */
export interface PositionalRows {
  rows: readonly (readonly unknown[])[];
  indexes: readonly number[];
}

/**
 * The result of {@link OnnxModel.scoreBatch}, column by column: `columns[c][j]` is output column c
 * (in mapping order) of row j, undefined for a row in `errors`; `errors[j]` says why row j was not
 * scored (absent when every row was).
 */
export interface ScoredColumns {
  columns: unknown[][];
  errors?: (UserError | undefined)[];
}

interface InputPlan {
  input: string;
  type: ElementType;
  columns: string[];
  /** True when the tensor is `[N]` rather than `[N, k]`. */
  flat: boolean;
  /** float32 or float64. */
  float: boolean;
  /** Copies the input's columns of a row into `out`, in order. */
  read: (row: Record<string, unknown>, out: unknown[]) => void;
  /** Where each of `columns` is in a list mapping's `inputs` (positional rows); absent for a record mapping. */
  positions?: number[];
}

interface ColumnPlan {
  column: string;
  type: ColumnType | undefined;
  output: string;
  index: number;
}

interface CompiledMapping {
  inputs: InputPlan[];
  columns: OutputColumn[];
  types: (ColumnType | undefined)[];
  /** Output plans by the widths of the outputs they were resolved for. */
  resolved: Map<string, ColumnPlan[]>;
  fetches: string[];
  buildRecord: (values: unknown[]) => Record<string, unknown>;
}

const SUPPORTED_INPUTS = new Set<string>(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'bool', 'string']);
const LABEL_COLUMNS = new Set(['label', 'prediction', 'predicted_label', 'class', 'predicted_class']);
const PROB_PREFIX = /^(?:prob|probability|proba|p|score)_(.+)$/i;
const INT_RANGE: Partial<Record<ElementType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class BadValue extends Error {}

function toInputValue(value: unknown, type: ElementType): number | bigint | boolean | string {
  if (value === null || value === undefined) {
    throw new BadValue(`${describe(value)} where ${type === 'string' ? 'a string' : type === 'bool' ? 'a boolean' : 'a number'} is needed`);
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new BadValue(`${describe(value)} where a string is needed`);
      return value;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      throw new BadValue(`${describe(value)} where a boolean is needed`);
    case 'float32':
    case 'float64':
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new BadValue(`${describe(value)} is not a finite number`);
        return value;
      }
      if (typeof value === 'bigint') return Number(value);
      throw new BadValue(`${describe(value)} where a number is needed`);
    case 'int64':
      if (typeof value === 'bigint') {
        if (value < INT64_MIN || value > INT64_MAX) throw new BadValue(`${describe(value)} is outside int64`);
        return value;
      }
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) throw new BadValue(`${describe(value)} where an integer is needed`);
        return BigInt(value);
      }
      throw new BadValue(`${describe(value)} where an integer is needed`);
    default: {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new BadValue(`${describe(value)} where an integer is needed`);
      const [lo, hi] = INT_RANGE[type]!;
      if (n < lo || n > hi) throw new BadValue(`${describe(value)} is outside ${type} (${lo}..${hi})`);
      return n;
    }
  }
}

type Buffer =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | string[];

function allocate(type: ElementType, size: number): Buffer {
  switch (type) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int8': return new Int8Array(size);
    case 'uint8': case 'bool': return new Uint8Array(size);
    case 'int16': return new Int16Array(size);
    case 'uint16': return new Uint16Array(size);
    case 'int32': return new Int32Array(size);
    case 'uint32': return new Uint32Array(size);
    case 'int64': return new BigInt64Array(size);
    case 'string': return new Array<string>(size).fill('');
  }
}

function put(buf: Buffer, at: number, value: number | bigint | boolean | string): void {
  if (typeof value === 'boolean') (buf as Uint8Array)[at] = value ? 1 : 0;
  else (buf as unknown as Array<typeof value>)[at] = value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** The default JS form of one tensor element: int64 as a number while it is a safe integer. */
function defaultForm(v: unknown, type: string): unknown {
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v;
  if (type === 'bool') return v === 1 || v === true;
  return v;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Reads one output column for `m` rows: element `j * stride + index` of a tensor, converted to the
 * column's type; a value that does not convert goes to `failed` and leaves its row undefined. The
 * common cases are plain loops without the general conversion. int64 is read as two 32-bit words
 * where it fits a safe integer, because reading a BigInt64Array allocates a bigint per element.
 */
function readColumn(t: Tensor, stride: number, col: ColumnPlan, m: number, failed: (j: number, err: UserError) => void): unknown[] {
  const kind = col.type?.kind;
  const index = col.index;
  const data = t.data as ArrayLike<unknown>;
  const values = new Array<unknown>(m);
  if ((t.type === 'float32' || t.type === 'float64') && (kind === undefined || kind === 'double')) {
    for (let j = 0; j < m; j++) values[j] = data[j * stride + index];
    return values;
  }
  const slow = (j: number): void => {
    try {
      values[j] = convertValue(defaultForm(data[j * stride + index], t.type), col.type, col.column);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failed(j, err);
    }
  };
  if (t.type === 'int64' && LITTLE_ENDIAN && (kind === undefined || kind === 'bigint') && data instanceof BigInt64Array) {
    const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
    for (let j = 0; j < m; j++) {
      const e = 2 * (j * stride + index);
      const hi = words[e + 1]!;
      // A high word in (-2^21, 2^21) means a safe integer; the rest take the exact bigint path.
      if (hi > -0x200000 && hi < 0x200000) values[j] = hi * 0x100000000 + (words[e]! >>> 0);
      else slow(j);
    }
    return values;
  }
  for (let j = 0; j < m; j++) slow(j);
  return values;
}

/*
 * Rows are plain objects read by column names known only at run time. A generic loop doing
 * row[names[c]] makes every property load megamorphic; code generated once per mapping with the
 * names as literals gets monomorphic loads and object literals of one shape, about twice as fast
 * end to end. Names enter the code only as JSON string literals.
 */
function makeReader(columns: readonly string[]): (row: Record<string, unknown>, out: unknown[]) => void {
  const body = columns.map((c, i) => `out[${i}] = row[${JSON.stringify(c)}];`).join('\n');
  return new Function('row', 'out', body) as (row: Record<string, unknown>, out: unknown[]) => void;
}

/** A function that builds a record with `names` as keys from an array of values (generated once; see above). */
export function makeRecordBuilder(names: readonly string[]): (values: unknown[]) => Record<string, unknown> {
  if (names.includes('__proto__')) {
    return (values) => {
      const r: Record<string, unknown> = {};
      names.forEach((n, i) => Object.defineProperty(r, n, { value: values[i], enumerable: true, writable: true, configurable: true }));
      return r;
    };
  }
  const body = `return { ${names.map((n, i) => `${JSON.stringify(n)}: values[${i}]`).join(', ')} };`;
  return new Function('values', body) as (values: unknown[]) => Record<string, unknown>;
}

/** Moves the rows `good` (ascending) of a `[n, k]` buffer to its front, in order. */
function compact(buf: Buffer, good: readonly number[], k: number): void {
  for (let w = 0; w < good.length; w++) {
    const r = good[w]!;
    if (r === w) continue;
    for (let c = 0; c < k; c++) (buf as unknown[])[w * k + c] = (buf as unknown[])[r * k + c];
  }
}

function perRowWidth(dims: readonly number[]): number {
  let w = 1;
  for (let i = 1; i < dims.length; i++) w *= dims[i]!;
  return w;
}

/**
 * An ONNX model loaded into an onnxruntime session, scoring rows in micro-batches: one
 * `session.run()` per call (or per `maxBatchRows` rows).
 *
 * A mapping is checked and compiled the first time it is used and cached per mapping object, so pass
 * the same object on every batch. onnxruntime-node runs a session on the main thread (inside a
 * `setImmediate`), so a batch holds the event loop for its inference time: keep batches in the
 * hundreds of rows when latency of other work matters.
 *
 * @example
 * const model = await OnnxModel.load('fraud.onnx');
 * const out = await model.score(rows, {
 *   inputs: ['amount', 'txn_count_1m', 'txn_count_1h', 'distinct_countries_1h', 'hour_of_day', 'amount_avg_ratio'],
 *   outputs: 'score DOUBLE, label BIGINT',
 * });
 * // out[i] = { score: 0.03, label: 0 }
 */
export class OnnxModel {
  readonly name: string;
  readonly signature: ModelSignature;
  private readonly maxBatchRows: number;
  private readonly compiled = new WeakMap<ScoreMapping, CompiledMapping>();
  /** Input buffers of {@link scoreBatch} by model input, kept between calls. */
  private readonly spare: (Buffer | undefined)[] = [];
  private closed = false;

  private constructor(
    /** The onnxruntime session, for callers that need a raw `run()`. */
    readonly session: InferenceSession,
    name: string,
    signature: ModelSignature,
    options: OnnxModelOptions,
  ) {
    this.name = name;
    this.signature = signature;
    this.maxBatchRows = Math.max(1, options.maxBatchRows ?? 4096);
  }

  /**
   * Loads a model from a file (or its bytes). Throws `UserError` when the file is missing or is not a
   * model onnxruntime can load.
   */
  static async load(source: string | Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const name = options.name ?? (typeof source === 'string' ? basename(source) : 'model');
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = await readFile(source);
      } catch (err) {
        throw new UserError(`cannot read model file ${source}: ${(err as Error).message}`, {
          cause: err, origin: `model:${name}`, hint: 'check the path; register models with `weir model register`',
        });
      }
    } else {
      bytes = source;
    }
    const rewritten = (() => {
      try {
        return rewriteForNode(bytes);
      } catch (err) {
        throw new UserError(`${name} is not an ONNX model: ${(err as Error).message}`, { cause: err, origin: `model:${name}` });
      }
    })();
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(rewritten.bytes, {
        intraOpNumThreads: options.intraOpNumThreads ?? 1,
        interOpNumThreads: options.interOpNumThreads ?? 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        executionMode: 'sequential',
        // Flattened by onnxruntime-node into the session config entries session.intra_op.allow_spinning etc.
        extra: {
          session: {
            intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' },
            inter_op: { allow_spinning: options.allowSpinning ? '1' : '0' },
          },
        },
      });
    } catch (err) {
      throw new UserError(`onnxruntime cannot load ${name}: ${(err as Error).message}`, {
        cause: err, origin: `model:${name}`, hint: 'export the model with an opset onnxruntime supports (<= 21 is safe)',
      });
    }
    const describeValue = (m: InferenceSession.ValueMetadata): ValueSignature =>
      m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false };
    const signature: ModelSignature = {
      inputs: session.inputMetadata.map(describeValue),
      outputs: session.outputMetadata.map(describeValue),
    };
    const labels = options.classLabels ?? rewritten.classLabels;
    if (labels && labels.length > 0) signature.classLabels = [...labels];
    if (rewritten.zipMaps.length > 0) signature.zipMapOutputs = rewritten.zipMaps.map((z) => z.output);
    return new OnnxModel(session, name, signature, options);
  }

  /**
   * Scores rows: returns one record of output columns per row, in order. Throws a `UserError` naming
   * the row, column and reason at the first bad input value.
   */
  async score(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<Record<string, unknown>[]> {
    const settled = await this.scoreAll(rows, mapping, true);
    return settled.map((r) => {
      if (!r.ok) throw r.error;
      return r.output;
    });
  }

  /**
   * Scores the rows that have good inputs and returns, for every row in order, either its output or
   * the `UserError` that says why it was not scored, so a caller can send bad rows to a dead-letter
   * output and keep going.
   */
  scoreSettled(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<ScoredRow[]> {
    return this.scoreAll(rows, mapping, false);
  }

  private async scoreAll(rows: readonly Record<string, unknown>[], mapping: ScoreMapping, failFast: boolean): Promise<ScoredRow[]> {
    if (this.closed) throw new WeirError(`model ${this.name} is closed`, { origin: `model:${this.name}` });
    const plan = this.compile(mapping);
    const out: ScoredRow[] = new Array(rows.length);
    for (let start = 0; start < rows.length; start += this.maxBatchRows) {
      await this.scoreChunk(rows, start, Math.min(rows.length, start + this.maxBatchRows), plan, failFast, out);
    }
    return out;
  }

  /**
   * Checks that a mapping fits this model (columns per input, output columns resolvable) without
   * scoring; throws the `UserError` that `score` would. Output widths known only at run time are
   * checked on the first batch.
   */
  check(mapping: ScoreMapping): void {
    this.compile(mapping);
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }

  private rowError(row: number, column: string, why: string, input: InputPlan): UserError {
    return new UserError(`row ${row}, column "${column}": ${why} (model input "${input.input}" is ${input.type})`, {
      origin: `model:${this.name}`,
      hint: 'fix or filter the value before scoring, e.g. COALESCE(col, 0) or WHERE col IS NOT NULL',
    });
  }

  /** Scores rows `[start, end)` with one `session.run()`, writing `result[start..end)`. */
  private async scoreChunk(
    rows: readonly Record<string, unknown>[], start: number, end: number, plan: CompiledMapping, failFast: boolean, result: ScoredRow[],
  ): Promise<void> {
    const n = end - start;
    const buffers = plan.inputs.map((p) => allocate(p.type, n * p.columns.length));
    const good: number[] = [];
    const scratch: unknown[] = [];
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const w = good.length;
      let error: UserError | undefined;
      if (row === null || typeof row !== 'object') {
        error = this.rowError(i, plan.inputs[0]!.columns[0]!, `the row is ${describe(row)}, not a record`, plan.inputs[0]!);
      }
      for (let p = 0; p < plan.inputs.length && !error; p++) {
        const input = plan.inputs[p]!;
        const k = input.columns.length;
        const buf = buffers[p]!;
        const base = w * k;
        input.read(row, scratch);
        for (let c = 0; c < k; c++) {
          const v = scratch[c];
          // Fast path for the common case, a finite number into a float tensor (v - v is NaN for NaN and ±Infinity).
          if (input.float && typeof v === 'number' && v - v === 0) {
            (buf as Float32Array)[base + c] = v;
            continue;
          }
          try {
            put(buf, base + c, toInputValue(v, input.type));
          } catch (err) {
            if (!(err instanceof BadValue)) throw err;
            error = this.rowError(i, input.columns[c]!, err.message, input);
            break;
          }
        }
      }
      if (error) {
        if (failFast) throw error;
        result[i] = { ok: false, error };
      } else {
        good.push(i);
      }
    }
    if (good.length === 0) return;
    const m = good.length;
    const { columns, errors } = await this.run(plan, buffers, m);
    const build = plan.buildRecord;
    const values: unknown[] = new Array(columns.length);
    for (let j = 0; j < m; j++) {
      const i = good[j]!;
      const bad = errors?.[j];
      if (bad) {
        const error = new UserError(`row ${i}: ${bad.message}`, { origin: `model:${this.name}`, hint: bad.hint });
        if (failFast) throw error;
        result[i] = { ok: false, error };
        continue;
      }
      for (let c = 0; c < columns.length; c++) values[c] = columns[c]![j];
      result[i] = { ok: true, output: build(values) };
    }
  }

  /**
   * Scores positional rows (SQL rows as arrays) without building a record per row: the inputs are
   * copied column by column into typed arrays reused across calls, and the outputs come back column
   * by column. Bad input values make per-row errors, as in {@link OnnxModel.scoreSettled}; the
   * mapping's `inputs` must be a list of column names.
   *
   * @example
   * const { columns, errors } = await model.scoreBatch({ rows: [[120.5, 3, 1]], indexes: [0, 1, 2] }, mapping);
   * // columns[0][0] is the first output column of the first row
   */
  async scoreBatch(input: PositionalRows, mapping: ScoreMapping): Promise<ScoredColumns> {
    if (this.closed) throw new WeirError(`model ${this.name} is closed`, { origin: `model:${this.name}` });
    const plan = this.compile(mapping);
    if (plan.inputs.some((p) => p.positions === undefined)) {
      throw new WeirError('scoreBatch needs a mapping whose inputs are a list of column names', { origin: `model:${this.name}` });
    }
    const total = input.rows.length;
    if (total <= this.maxBatchRows) return this.scoreBatchChunk(input, 0, total, plan);
    const columns = plan.columns.map(() => new Array<unknown>(total));
    let errors: (UserError | undefined)[] | undefined;
    for (let start = 0; start < total; start += this.maxBatchRows) {
      const end = Math.min(total, start + this.maxBatchRows);
      const part = await this.scoreBatchChunk(input, start, end, plan);
      for (let c = 0; c < columns.length; c++) {
        const from = part.columns[c]!;
        const to = columns[c]!;
        for (let r = 0; r < end - start; r++) to[start + r] = from[r];
      }
      if (part.errors) {
        errors ??= new Array<UserError | undefined>(total);
        for (let r = 0; r < end - start; r++) errors[start + r] = part.errors[r];
      }
    }
    return errors ? { columns, errors } : { columns };
  }

  /** Scores positional rows `[start, end)` with one `session.run()`; the result is indexed from `start`. */
  private async scoreBatchChunk(input: PositionalRows, start: number, end: number, plan: CompiledMapping): Promise<ScoredColumns> {
    const n = end - start;
    let rows = input.rows;
    let bad: (UserError | undefined)[] | undefined;
    for (let r = 0; r < n; r++) {
      const row = rows[start + r];
      if (row !== null && typeof row === 'object') continue;
      const first = plan.inputs[0]!;
      (bad ??= new Array<UserError | undefined>(n))[r] = this.rowError(start + r, first.columns[0]!, `the row is ${describe(row)}, not a row`, first);
      // Read an empty row in its place: its error is already set, so the missing values add none.
      if (rows === input.rows) rows = [...rows];
      (rows as unknown[][])[start + r] = [];
    }
    const buffers = plan.inputs.map((p, x) => this.takeBuffer(x, p.type, n * p.columns.length));
    try {
      for (let x = 0; x < plan.inputs.length; x++) {
        const p = plan.inputs[x]!;
        const k = p.columns.length;
        for (let c = 0; c < k; c++) {
          bad = this.fillColumn(rows, start, n, input.indexes[p.positions![c]!]!, p, c, buffers[x]!, bad);
        }
      }
      let good: number[] | undefined;
      if (bad) {
        good = [];
        for (let r = 0; r < n; r++) if (!bad[r]) good.push(r);
        if (good.length === 0) return { columns: plan.columns.map(() => new Array<unknown>(n)), errors: bad };
        plan.inputs.forEach((p, x) => compact(buffers[x]!, good!, p.columns.length));
      }
      const m = good ? good.length : n;
      const scored = await this.run(plan, buffers, m);
      const errorAt = (j: number, e: UserError): UserError =>
        new UserError(`row ${start + (good ? good[j]! : j)}: ${e.message}`, { origin: `model:${this.name}`, hint: e.hint });
      if (!good) {
        if (scored.errors) scored.errors = scored.errors.map((e, j) => (e ? errorAt(j, e) : undefined));
        return scored;
      }
      const columns = scored.columns.map((from) => {
        const to = new Array<unknown>(n);
        for (let j = 0; j < m; j++) to[good![j]!] = from[j];
        return to;
      });
      scored.errors?.forEach((e, j) => {
        if (e) {
          bad![good![j]!] = errorAt(j, e);
          for (const col of columns) col[good![j]!] = undefined;
        }
      });
      return { columns, errors: bad };
    } finally {
      buffers.forEach((b, x) => this.giveBuffer(x, b));
    }
  }

  /**
   * Copies one input column of rows `[start, start + n)` into column `c` of `buf`, marking the rows
   * whose value does not fit the input; returns the (possibly new) per-row error list.
   */
  private fillColumn(
    rows: readonly (readonly unknown[])[], start: number, n: number, at: number, input: InputPlan, c: number, buf: Buffer,
    bad: (UserError | undefined)[] | undefined,
  ): (UserError | undefined)[] | undefined {
    const k = input.columns.length;
    const f = buf as Float32Array;
    const float = input.float;
    for (let r = 0; r < n; r++) {
      const v = rows[start + r]![at];
      // A finite number into a float tensor needs no checks (v - v is NaN for NaN and ±Infinity).
      if (float && typeof v === 'number' && v - v === 0) {
        f[r * k + c] = v;
        continue;
      }
      try {
        put(buf, r * k + c, toInputValue(v, input.type));
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        // Keep the row's first error, in the order the row path finds them (input by input, column by column).
        (bad ??= new Array<UserError | undefined>(n))[r] ??= this.rowError(start + r, input.columns[c]!, err.message, input);
      }
    }
    return bad;
  }

  /**
   * An input buffer of at least `size` elements for input `x`, reused across calls (a call that
   * overlaps another on this model gets its own). String inputs are not reused.
   */
  private takeBuffer(x: number, type: ElementType, size: number): Buffer {
    const spare = this.spare[x];
    if (spare && spare.length >= size && type !== 'string') {
      this.spare[x] = undefined;
      return spare;
    }
    return allocate(type, type === 'string' ? size : Math.max(size, 64));
  }

  private giveBuffer(x: number, buf: Buffer): void {
    if (!Array.isArray(buf) && (this.spare[x]?.length ?? 0) <= buf.length) this.spare[x] = buf;
  }

  /**
   * Runs the model on the first `m` rows of `buffers`, checks the outputs and reads
   * the output columns; `errors[j]` holds an output value that does not convert to its column's type.
   */
  private async run(plan: CompiledMapping, buffers: Buffer[], m: number): Promise<ScoredColumns> {
    const feeds: Record<string, Tensor> = {};
    plan.inputs.forEach((input, p) => {
      const k = input.columns.length;
      const buf = buffers[p]!;
      const data = buf.length === m * k ? buf : Array.isArray(buf) ? buf.slice(0, m * k) : buf.subarray(0, m * k);
      feeds[input.input] = new Tensor(input.type, data as never, input.flat ? [m] : [m, k]);
    });
    let outputs: InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(feeds, plan.fetches);
    } catch (err) {
      throw new WeirError(`model ${this.name} failed to score a batch of ${m} rows: ${(err as Error).message}`, {
        domain: 'user', cause: err, origin: `model:${this.name}`,
        hint: 'check that the mapped columns match the model inputs (`weir model list` shows the signature)',
      });
    }
    const widths = new Map<string, number>();
    for (const name of plan.fetches) {
      const t = outputs[name] as Tensor | undefined;
      if (!t || !('dims' in t)) {
        throw new WeirError(`model ${this.name} returned no tensor for output "${name}"`, { origin: `model:${this.name}` });
      }
      if (t.dims[0] !== m && !(t.dims.length === 0 && m === 1)) {
        throw new UserError(`model ${this.name} output "${name}" has ${t.dims[0]} rows for ${m} input rows`, {
          origin: `model:${this.name}`, hint: 'only models whose first output dimension is the batch can be scored row by row',
        });
      }
      widths.set(name, perRowWidth(t.dims));
    }
    let errors: (UserError | undefined)[] | undefined;
    const columns = this.resolveOutputs(plan, widths).map((col) =>
      // A row keeps its first failing column, as when rows were read one at a time.
      readColumn(outputs[col.output] as Tensor, widths.get(col.output)!, col, m, (j, err) => { (errors ??= new Array<UserError | undefined>(m))[j] ??= err; }));
    if (errors) for (const col of columns) errors.forEach((e, j) => { if (e) col[j] = undefined; });
    return errors ? { columns, errors } : { columns };
  }

  private mappingError(message: string, hint?: string): UserError {
    return new UserError(message, { origin: `model:${this.name}`, hint: hint ?? `the model's inputs are ${this.describeValues(this.signature.inputs)}; its outputs are ${this.describeValues(this.signature.outputs)}` });
  }

  private describeValues(values: ValueSignature[]): string {
    return values.map((v) => (v.isTensor ? `${v.name} ${v.type}[${(v.shape ?? []).map((d) => (d === '' ? '?' : d)).join(', ')}]` : `${v.name} (not a tensor)`)).join(', ');
  }

  private compile(mapping: ScoreMapping): CompiledMapping {
    const cached = this.compiled.get(mapping);
    if (cached) return cached;
    const inputs = this.compileInputs(mapping);
    const columns = typeof mapping.outputs === 'string' ? parseOutputColumns(mapping.outputs) : [...mapping.outputs];
    if (columns.length === 0) throw this.mappingError('the model mapping declares no output columns');
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name)) throw this.mappingError(`output column "${c.name}" is declared twice`);
      seen.add(c.name);
    }
    const types = columns.map((c) => (c.type === undefined ? undefined : parseColumnType(c.type)));
    const unsupported = this.signature.outputs.filter((o) => !o.isTensor).map((o) => o.name);
    const fetches = this.signature.outputs.filter((o) => o.isTensor).map((o) => o.name);
    for (const c of columns) {
      if (c.from && !fetches.includes(c.from.output)) {
        throw this.mappingError(`output column "${c.name}" reads model output "${c.from.output}", which ${unsupported.includes(c.from.output) ? 'is not a tensor' : 'the model does not have'}`);
      }
    }
    const plan: CompiledMapping = { inputs, columns, types, resolved: new Map(), fetches, buildRecord: makeRecordBuilder(columns.map((c) => c.name)) };
    // Check the output mapping now when all widths are known from the model, so mistakes show at load time.
    const staticWidths = new Map<string, number>();
    for (const o of this.signature.outputs) {
      if (!o.isTensor || !o.shape) continue;
      const rest = o.shape.slice(1);
      if (rest.every((d) => typeof d === 'number')) staticWidths.set(o.name, rest.reduce<number>((a, d) => a * (d as number), 1));
    }
    if (staticWidths.size === fetches.length) this.resolveOutputs(plan, staticWidths);
    this.compiled.set(mapping, plan);
    return plan;
  }

  private compileInputs(mapping: ScoreMapping): InputPlan[] {
    const modelInputs = this.signature.inputs;
    for (const mi of modelInputs) {
      if (!mi.isTensor || !SUPPORTED_INPUTS.has(mi.type ?? '')) {
        throw this.mappingError(`model input "${mi.name}" has type ${mi.type ?? 'non-tensor'}, which weir cannot feed`, `supported input types: ${[...SUPPORTED_INPUTS].join(', ')}`);
      }
    }
    const byInput = new Map<string, string[]>();
    if (Array.isArray(mapping.inputs)) {
      const cols = mapping.inputs as readonly string[];
      if (modelInputs.length === 1) {
        byInput.set(modelInputs[0]!.name, [...cols]);
      } else {
        for (const mi of modelInputs) {
          if (!cols.includes(mi.name)) {
            throw this.mappingError(`model input "${mi.name}" has no column: the model has ${modelInputs.length} inputs, so each reads the column of its own name`,
              `add a column "${mi.name}" or map inputs explicitly, e.g. { ${modelInputs.map((x) => `${x.name}: 'col'`).join(', ')} }`);
          }
          byInput.set(mi.name, [mi.name]);
        }
        const extra = cols.filter((c) => !modelInputs.some((mi) => mi.name === c));
        if (extra.length > 0) throw this.mappingError(`columns ${extra.join(', ')} match no model input`);
      }
    } else {
      const rec = mapping.inputs as Readonly<Record<string, string | readonly string[]>>;
      for (const [name, cols] of Object.entries(rec)) {
        if (!modelInputs.some((mi) => mi.name === name)) throw this.mappingError(`the mapping names model input "${name}", which the model does not have`);
        byInput.set(name, typeof cols === 'string' ? [cols] : [...cols]);
      }
      for (const mi of modelInputs) {
        if (!byInput.has(mi.name)) throw this.mappingError(`model input "${mi.name}" is not mapped to any column`);
      }
    }
    return modelInputs.map((mi) => {
      const columns = byInput.get(mi.name)!;
      const shape = mi.shape ?? [];
      if (columns.length === 0) throw this.mappingError(`model input "${mi.name}" is mapped to no columns`);
      if (shape.length > 2) throw this.mappingError(`model input "${mi.name}" has rank ${shape.length}; weir feeds [N] or [N, k] inputs`);
      const flat = shape.length === 1;
      const k = shape.length === 2 ? shape[1] : 1;
      if (typeof k === 'number' && k !== columns.length) {
        throw this.mappingError(`model input "${mi.name}" takes ${k} value${k === 1 ? '' : 's'} per row but the mapping gives ${columns.length} column${columns.length === 1 ? '' : 's'} (${columns.join(', ')})`);
      }
      if (flat && columns.length !== 1) throw this.mappingError(`model input "${mi.name}" is [N] and takes one column, not ${columns.length}`);
      const plan: InputPlan = { input: mi.name, type: mi.type as ElementType, columns, flat, float: mi.type === 'float32' || mi.type === 'float64', read: makeReader(columns) };
      if (Array.isArray(mapping.inputs)) plan.positions = columns.map((c) => (mapping.inputs as readonly string[]).indexOf(c));
      return plan;
    });
  }

  private resolveOutputs(plan: CompiledMapping, widths: Map<string, number>): ColumnPlan[] {
    const key = plan.fetches.map((f) => widths.get(f)).join(',');
    const cached = plan.resolved.get(key);
    if (cached) return cached;
    const outputs = plan.fetches;
    const width = (o: string): number => widths.get(o)!;
    const labelOut = outputs.find((o) => o === 'output_label') ?? outputs.find((o) => o === 'label');
    const probOut = outputs.find((o) => o === 'output_probability') ?? outputs.find((o) => o === 'probabilities');
    const classifier = labelOut !== undefined && probOut !== undefined;
    const classes = classifier ? width(probOut) : 0;
    const labels = classifier ? this.classLabels(classes) : [];
    const res: (ColumnPlan | undefined)[] = plan.columns.map(() => undefined);
    const used = new Set<string>();
    const at = (i: number, output: string, index: number): void => {
      res[i] = { column: plan.columns[i]!.name, type: plan.types[i], output, index };
      used.add(output);
    };
    const classIndex = (label: string | number): number => labels.findIndex((l) => String(l) === String(label));
    plan.columns.forEach((c, i) => {
      if (c.from) {
        const w = width(c.from.output);
        let index = c.from.index ?? 0;
        if (c.from.classLabel !== undefined) {
          index = classIndex(c.from.classLabel);
          if (index < 0) throw this.mappingError(`output column "${c.name}" asks for class ${c.from.classLabel}, but the classes are ${labels.join(', ')}`);
        } else if (c.from.index === undefined && w !== 1) {
          throw this.mappingError(`output column "${c.name}" reads "${c.from.output}", which has ${w} values per row`, 'give from.index or from.classLabel');
        }
        if (index < 0 || index >= w) throw this.mappingError(`output column "${c.name}" reads element ${index} of "${c.from.output}", which has ${w} values per row`);
        at(i, c.from.output, index);
      } else if (outputs.includes(c.name)) {
        if (width(c.name) !== 1) {
          throw this.mappingError(`output column "${c.name}" has the name of a model output with ${width(c.name)} values per row`, `rename the column, or give from: { output: '${c.name}', index }`);
        }
        at(i, c.name, 0);
      }
    });
    const left = (): number[] => res.flatMap((r, i) => (r === undefined ? [i] : []));
    if (classifier) {
      plan.columns.forEach((c, i) => {
        if (res[i]) return;
        if (LABEL_COLUMNS.has(c.name.toLowerCase())) {
          at(i, labelOut, 0);
          return;
        }
        const m = PROB_PREFIX.exec(c.name);
        if (m) {
          const idx = classIndex(m[1]!);
          if (idx >= 0) at(i, probOut, idx);
        }
      });
      const rest = left();
      if (rest.length === 1) {
        at(rest[0]!, probOut, classes - 1);
      } else if (rest.length === classes) {
        rest.forEach((i, k) => at(i, probOut, k));
      } else if (rest.length > 0) {
        throw this.mappingError(
          `cannot tell what output columns ${rest.map((i) => plan.columns[i]!.name).join(', ')} are: the model is a classifier with ${classes} classes (${labels.join(', ')})`,
          'name the label column "label" and probability columns "prob_<class>", declare one column for the positive-class probability, or give from: { output, classLabel }',
        );
      }
    } else {
      const rest = left();
      const free = outputs.filter((o) => !used.has(o));
      const total = free.reduce((a, o) => a + width(o), 0);
      if (rest.length > 0 && rest.length !== total) {
        throw this.mappingError(
          `${rest.length} output column${rest.length === 1 ? '' : 's'} (${rest.map((i) => plan.columns[i]!.name).join(', ')}) left to fill, but the unused model outputs (${free.join(', ') || 'none'}) give ${total} value${total === 1 ? '' : 's'} per row`,
          'declare one column per value, name columns after model outputs, or give from: { output, index }',
        );
      }
      let r = 0;
      for (const o of free) {
        for (let k = 0; k < width(o) && r < rest.length; k++) at(rest[r++]!, o, k);
      }
    }
    const done = res as ColumnPlan[];
    plan.resolved.set(key, done);
    return done;
  }

  private classLabels(classes: number): (number | string)[] {
    const declared = this.signature.classLabels;
    if (declared && declared.length === classes) return declared;
    return Array.from({ length: classes }, (_, i) => i);
  }
}
