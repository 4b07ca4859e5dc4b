import { ExternalError, UserError, WeirError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import { convertValue, describe, parseColumnType, parseOutputColumns } from '../column-types.js';
import type { ColumnType, OutputColumn } from '../column-types.js';
import type { ScoreMapping, ScoredRow } from '../onnx-model.js';
import { PROTOCOLS } from './protocol.js';
import type { EncodedInput, RemoteDatatype, RemoteInput, RemoteOutput, RemoteProtocol, TensorMetadata } from './protocol.js';

/** How to reach a model server and how hard to try. */
export interface RemoteModelOptions {
  /** `kserve` (KServe v2 / Open Inference Protocol, e.g. MLServer, Triton) or `tfserving` (TensorFlow Serving REST). */
  provider: 'kserve' | 'tfserving';
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** The model's name on the server. */
  model: string;
  /** A model version; omitted: the server's default. */
  version?: string;
  /** Time limit of one request (one attempt); default 1000 ms. A request that times out is not retried. */
  timeoutMs?: number;
  /** Further attempts after a connection error, 429 or 5xx; default 2. 4xx answers are never retried. */
  maxRetries?: number;
  /** First backoff delay, doubled per retry with full jitter; default 20 ms. */
  retryDelayMs?: number;
  /** Ceiling of a backoff delay; default 1000 ms. */
  maxRetryDelayMs?: number;
  /** Requests in flight at once from this client; default 8. */
  maxInFlight?: number;
  /** Rows per request; larger calls are split into requests that run side by side. Default 128. */
  maxBatchRows?: number;
  /** The model's input tensors, when the server's metadata does not list them (see {@link RemoteModel}). */
  tensors?: TensorMetadata[];
  /** Extra request headers (an API key). */
  headers?: Record<string, string>;
  /** Ask the server for the model when opening, so a wrong name fails at once; default true. */
  checkModel?: boolean;
}

/** Counters of one client since it was opened. */
export interface RemoteModelStats {
  /** HTTP requests sent to score rows, retries included. */
  requests: number;
  /** Rows sent (each once, however often retried). */
  rows: number;
  retries: number;
  /** Attempts that ran into the time limit. */
  timeouts: number;
  /** Calls that failed for good (after their retries). */
  failures: number;
  /** Requests in flight now and at most so far. */
  inFlight: number;
  maxInFlightSeen: number;
}

const DATATYPES = new Set<string>(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES']);
const INT_RANGES: Partial<Record<RemoteDatatype, [number, number]>> = {
  INT8: [-128, 127], UINT8: [0, 255], INT16: [-32768, 32767], UINT16: [0, 65535], INT32: [-2147483648, 2147483647], UINT32: [0, 4294967295],
};

interface CompiledMapping {
  inputs: RemoteInput[];
  columns: OutputColumn[];
  types: (ColumnType | undefined)[];
}

/** Where a column's value sits in a response: output `output`, element `index` of each row. */
interface ColumnSource {
  output: number;
  index: number;
}

class BadValue extends Error {}

/** Waiters queue in order, so no caller starves behind later ones. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips and lets a newcomer in first.
      if (next) next();
      else this.active--;
    }
  }
}

/** Thrown by a request that ran out of time; `MlPredictOperator` and `scoreRemote` count it as a model error. */
export class RemoteTimeoutError extends ExternalError {
  /** Read by the ML_PREDICT operator, which counts the batch as a timeout rather than a model error. */
  readonly timedOut = true;
  constructor(message: string, origin: string) {
    super(message, { origin, retriable: false, hint: "raise the model's timeout, lower the rows per request, or give it a fallback" });
    this.name = 'RemoteTimeoutError';
  }
}

/**
 * A model served over HTTP by a model server: KServe v2 (MLServer, Triton, KServe) or TensorFlow Serving.
 * A call sends its rows as one request (split into requests of `maxBatchRows` that run side by side,
 * at most `maxInFlight` at once for this client), each with a time limit, retried with backoff on
 * connection errors, 429 and 5xx. A 4xx answer is the caller's mistake and fails at once with the
 * server's message.
 *
 * Rows map to the model as for {@link OnnxModel}: with one input tensor the `inputs` columns are stacked
 * into an `[N, k]` tensor; with several, each tensor reads the column of its name (or `inputs` is a
 * record `{ tensor: column | columns }`). The tensors' names and datatypes come from the server's model
 * metadata (`GET /v2/models/{name}`), from `tensors`, or default to one FP32 tensor named `input`
 * (TF Serving's row format needs no names for one input). Output columns take, in order: their `from`;
 * the output of the same name (one value per row); element `i` of output `name` for a column `name_i`;
 * else the next values of the outputs not used yet.
 *
 * It has the shape of the SQL layer's `MlScorer`, so `ML_PREDICT`'s fallback and counters apply to it.
 *
 * @example
 * const model = await RemoteModel.open({ provider: 'kserve', endpoint: 'http://127.0.0.1:8090', model: 'fraud', timeoutMs: 50 });
 * const out = await model.score(rows, { inputs: ['amount', 'n_1m'], outputs: 'label BIGINT, probabilities_1 DOUBLE' });
 */
export class RemoteModel {
  readonly name: string;
  readonly stats: RemoteModelStats = { requests: 0, rows: 0, retries: 0, timeouts: 0, failures: 0, inFlight: 0, maxInFlightSeen: 0 };
  private readonly protocol: RemoteProtocol;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxBatchRows: number;
  private readonly slots: Semaphore;
  private readonly compiled = new WeakMap<ScoreMapping, CompiledMapping>();
  private readonly tensors: TensorMetadata[];
  private closed = false;
  /** Aborted by `close()`: ends requests in flight and retries waiting in backoff. */
  private readonly closing = new AbortController();

  private constructor(private readonly options: RemoteModelOptions, protocol: RemoteProtocol, tensors: TensorMetadata[]) {
    this.protocol = protocol;
    this.name = RemoteModel.labelOf(options);
    this.url = protocol.inferUrl(options.endpoint, options.model, options.version);
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.maxBatchRows = Math.max(1, options.maxBatchRows ?? 128);
    this.slots = new Semaphore(Math.max(1, options.maxInFlight ?? 8));
    this.tensors = tensors;
  }

  /**
   * Checks the options and, unless `checkModel` is false, asks the server for the model: a server that
   * does not answer fails with an `ExternalError` (retriable), a server without the model with a `UserError`.
   */
  static async open(options: RemoteModelOptions): Promise<RemoteModel> {
    const protocol = PROTOCOLS[options.provider];
    const origin = `model:${options.model}`;
    if (!protocol) throw new UserError(`unknown model server provider '${String(options.provider)}'`, { origin, hint: `use one of ${Object.keys(PROTOCOLS).join(', ')}` });
    let parsed: URL;
    try {
      parsed = new URL(options.endpoint);
    } catch {
      throw new UserError(`model ${options.model}: endpoint '${options.endpoint}' is not a URL`, { origin, hint: "write it like 'http://127.0.0.1:8080'" });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UserError(`model ${options.model}: endpoint '${options.endpoint}' is not an http(s) URL`, { origin });
    }
    for (const t of options.tensors ?? []) {
      if (t.datatype !== undefined && !DATATYPES.has(t.datatype.toUpperCase())) {
        throw new UserError(`model ${options.model}: tensor ${t.name} has datatype ${t.datatype}`, { origin, hint: `use one of ${[...DATATYPES].join(', ')}` });
      }
    }
    let tensors = options.tensors ?? [];
    if (options.checkModel !== false) {
      const probe = new RemoteModel(options, protocol, tensors);
      const metadata = await probe.request('GET', protocol.metadataUrl(options.endpoint, options.model, options.version), undefined, 0);
      if (tensors.length === 0) tensors = protocol.inputsOf(metadata);
    }
    return new RemoteModel(options, protocol, tensors);
  }

  /** The label of a model with these options: `kserve:fraud`, `tfserving:fraud:v2`. */
  static labelOf(options: Pick<RemoteModelOptions, 'provider' | 'model' | 'version'>): string {
    return `${options.provider}:${options.model}${options.version !== undefined ? `:v${options.version}` : ''}`;
  }

  /** `scored_by` of the rows this model scores (see {@link RemoteModel.labelOf}). */
  label(): string {
    return this.name;
  }

  /** Scores rows, one result record per row in order; throws at the first row with a bad input value. */
  async score(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<Record<string, unknown>[]> {
    return (await this.scoreSettled(rows, mapping)).map((r) => {
      if (!r.ok) throw r.error;
      return r.output;
    });
  }

  /**
   * Scores the rows with good inputs and gives every row its output or the `UserError` saying why it was
   * not sent. A request that fails for good (after retries) fails the whole call, since the caller
   * (`ML_PREDICT`, `scoreRemote`) then scores those rows by its fallback.
   */
  async scoreSettled(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<ScoredRow[]> {
    if (this.closed) throw new WeirError(`model ${this.name} is closed`, { origin: this.name });
    const plan = this.compile(mapping);
    const out: ScoredRow[] = new Array(rows.length);
    const good: number[] = [];
    const encoded: unknown[][] = plan.inputs.map(() => []);
    for (let r = 0; r < rows.length; r++) {
      const error = this.encodeRow(rows[r]!, r, plan, encoded);
      if (error) out[r] = { ok: false, error };
      else good.push(r);
    }
    const requests: Promise<void>[] = [];
    for (let start = 0; start < good.length; start += this.maxBatchRows) {
      const end = Math.min(good.length, start + this.maxBatchRows);
      requests.push(this.scoreChunk(plan, encoded, good, start, end, out));
    }
    await Promise.all(requests);
    return out;
  }

  /**
   * Stops new calls and ends the ones under way: requests in flight are aborted and retries waiting
   * to try again give up, so their calls reject at once. Connections are pooled by Node's `fetch`
   * and close when idle.
   */
  close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    return Promise.resolve();
  }

  private closedError(): WeirError {
    return new WeirError(`model ${this.name} was closed while a call to it was under way`, { origin: this.name });
  }

  private async scoreChunk(plan: CompiledMapping, encoded: unknown[][], good: number[], start: number, end: number, out: ScoredRow[]): Promise<void> {
    const n = end - start;
    const inputs: EncodedInput[] = plan.inputs.map((input, i) => {
      const width = input.columns.length;
      return { input, values: encoded[i]!.slice(start * width, end * width) };
    });
    this.stats.rows += n;
    const body = await this.request('POST', this.url, this.protocol.encode(inputs, n), n);
    let outputs: RemoteOutput[];
    try {
      outputs = this.protocol.decode(body, n);
    } catch (err) {
      throw new ExternalError(`model ${this.name} at ${this.url} sent an answer weir cannot read: ${(err as Error).message}`, { origin: this.name, retriable: false, cause: err });
    }
    const sources = this.resolveColumns(plan, outputs);
    for (let j = 0; j < n; j++) {
      const row = good[start + j]!;
      try {
        const rec: Record<string, unknown> = {};
        plan.columns.forEach((c, k) => {
          const s = sources[k]!;
          const o = outputs[s.output]!;
          rec[c.name] = convertValue(o.values[j * o.width + s.index], plan.types[k], c.name);
        });
        out[row] = { ok: true, output: rec };
      } catch (err) {
        out[row] = { ok: false, error: err instanceof UserError ? err : new UserError(`row ${row}: ${(err as Error).message}`, { origin: this.name }) };
      }
    }
  }

  /** One HTTP call with its time limit and retries; gives the parsed JSON answer. */
  private request(method: 'GET' | 'POST', url: string, body: unknown, rows: number): Promise<unknown> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const attempts = 1 + Math.max(0, this.options.maxRetries ?? 2);
    return retry(
      () => this.slots.run(() => this.attempt(method, url, text, rows)),
      {
        attempts,
        initialDelayMs: this.options.retryDelayMs ?? 20,
        maxDelayMs: this.options.maxRetryDelayMs ?? 1000,
        onRetry: () => { this.stats.retries++; },
        signal: this.closing.signal,
      },
    ).catch((err: unknown) => {
      this.stats.failures++;
      throw err;
    });
  }

  private async attempt(method: 'GET' | 'POST', url: string, body: string | undefined, rows: number): Promise<unknown> {
    // Also reached after a backoff that close() cut short, or after waiting for a free slot.
    if (this.closing.signal.aborted) throw this.closedError();
    const stats = this.stats;
    if (method === 'POST') stats.requests++;
    stats.inFlight++;
    stats.maxInFlightSeen = Math.max(stats.maxInFlightSeen, stats.inFlight);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    const onClose = (): void => abort.abort();
    this.closing.signal.addEventListener('abort', onClose, { once: true });
    const what = method === 'POST' ? `a request of ${rows} rows to model ${this.name} at ${url}` : `model ${this.name} at ${url}`;
    let status: number;
    let statusText: string;
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url, { method, headers, body: body ?? null, signal: abort.signal });
      status = res.status;
      statusText = res.statusText;
      text = await res.text();
    } catch (err) {
      if (this.closing.signal.aborted) throw this.closedError();
      if (abort.signal.aborted) {
        stats.timeouts++;
        throw new RemoteTimeoutError(`${what} got no answer within ${this.timeoutMs} ms`, this.name);
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ExternalError(`cannot reach ${what}: ${why}`, {
        origin: this.name, retriable: true, cause: err, hint: 'is the model server running? check the endpoint',
      });
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener('abort', onClose);
      stats.inFlight--;
    }
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ExternalError(`${what} answered ${status} with a body that is not JSON: ${clip(text)}`, { origin: this.name, retriable: false });
      }
    }
    const message = serverMessage(text);
    if (status === 429 || status >= 500) {
      throw new ExternalError(`${what} failed with ${status} ${statusText}: ${message}`, { origin: this.name, retriable: true });
    }
    const hint = status === 404
      ? `the server has no model '${this.options.model}'${this.options.version !== undefined ? ` version ${this.options.version}` : ''}; check the model name, the version and the server's model repository`
      : "the server rejected the request: compare the model's INPUT columns with the model's inputs on the server";
    throw new UserError(`${what} was rejected with ${status} ${statusText}: ${message}`, { origin: this.name, hint });
  }

  private encodeRow(row: Record<string, unknown>, r: number, plan: CompiledMapping, encoded: unknown[][]): UserError | undefined {
    // Values go into a scratch array first, so a bad row leaves nothing half-written in `encoded`.
    const scratch: unknown[][] = [];
    for (const input of plan.inputs) {
      const vals: unknown[] = [];
      for (const col of input.columns) {
        try {
          vals.push(checkValue(row[col], input.datatype));
        } catch (err) {
          if (!(err instanceof BadValue)) throw err;
          return new UserError(`row ${r}: column "${col}" of tensor ${input.name} (${input.datatype}) is ${describe(row[col])}: ${err.message}`, {
            origin: this.name, hint: 'filter or fix such rows before scoring, or give the model a fallback',
          });
        }
      }
      scratch.push(vals);
    }
    scratch.forEach((vals, i) => { for (const v of vals) encoded[i]!.push(v); });
    return undefined;
  }

  private compile(mapping: ScoreMapping): CompiledMapping {
    let c = this.compiled.get(mapping);
    if (c) return c;
    const columns = typeof mapping.outputs === 'string' ? parseOutputColumns(mapping.outputs) : [...mapping.outputs];
    if (columns.length === 0) throw new UserError(`model ${this.name}: no output columns`, { origin: this.name });
    c = { inputs: this.compileInputs(mapping), columns, types: columns.map((col) => (col.type === undefined ? undefined : parseColumnType(col.type))) };
    this.compiled.set(mapping, c);
    return c;
  }

  private compileInputs(mapping: ScoreMapping): RemoteInput[] {
    const tensors = this.tensors.length > 0 ? this.tensors : [{ name: 'input', datatype: 'FP32' }];
    const datatype = (t: TensorMetadata): RemoteDatatype => {
      const d = t.datatype?.toUpperCase();
      return d !== undefined && DATATYPES.has(d) ? (d as RemoteDatatype) : 'FP32';
    };
    const make = (t: TensorMetadata, columns: string[]): RemoteInput => ({
      name: t.name, datatype: datatype(t), columns, flat: columns.length === 1 && t.shape !== undefined && t.shape.length === 1,
    });
    if (Array.isArray(mapping.inputs)) {
      const cols = mapping.inputs as readonly string[];
      if (cols.length === 0) throw new UserError(`model ${this.name}: no input columns`, { origin: this.name });
      if (tensors.length === 1) return [make(tensors[0]!, [...cols])];
      return tensors.map((t) => {
        if (!cols.includes(t.name)) {
          throw new UserError(`model ${this.name} has input tensors ${tensors.map((x) => x.name).join(', ')}, but no input column is named ${t.name}`, {
            origin: this.name, hint: 'name the INPUT columns after the tensors, or map tensors to columns explicitly',
          });
        }
        return make(t, [t.name]);
      });
    }
    const record = mapping.inputs as Readonly<Record<string, string | readonly string[]>>;
    return Object.entries(record).map(([name, cols]) => {
      const t = tensors.find((x) => x.name === name) ?? { name };
      return make(t, typeof cols === 'string' ? [cols] : [...cols]);
    });
  }

  private resolveColumns(plan: CompiledMapping, outputs: RemoteOutput[]): ColumnSource[] {
    const byName = new Map(outputs.map((o, i) => [o.name, i]));
    const used = new Set<number>();
    const sources: (ColumnSource | undefined)[] = plan.columns.map((c) => {
      if (c.from) {
        const o = byName.get(c.from.output);
        if (o === undefined) throw this.outputError(`column ${c.name} reads output ${c.from.output}, which the model did not return`, outputs);
        if (c.from.classLabel !== undefined) throw this.outputError(`column ${c.name}: class labels are not known for a remote model; use an index`, outputs);
        const index = c.from.index ?? 0;
        if (index >= outputs[o]!.width) throw this.outputError(`column ${c.name} reads element ${index} of output ${c.from.output}, which has ${outputs[o]!.width} per row`, outputs);
        used.add(o);
        return { output: o, index };
      }
      const same = byName.get(c.name);
      if (same !== undefined) {
        if (outputs[same]!.width !== 1) {
          throw this.outputError(`column ${c.name} names output ${c.name}, which has ${outputs[same]!.width} values per row`, outputs, `name the column ${c.name}_0 … ${c.name}_${outputs[same]!.width - 1} to pick one`);
        }
        used.add(same);
        return { output: same, index: 0 };
      }
      const m = /^(.+)_(\d+)$/.exec(c.name);
      const o = m ? byName.get(m[1]!) : undefined;
      if (m && o !== undefined && Number(m[2]) < outputs[o]!.width) {
        used.add(o);
        return { output: o, index: Number(m[2]) };
      }
      return undefined;
    });
    // Columns left take the values of the outputs nobody named, in order.
    const rest: ColumnSource[] = [];
    outputs.forEach((o, i) => {
      if (!used.has(i)) for (let e = 0; e < o.width; e++) rest.push({ output: i, index: e });
    });
    return sources.map((s, k) => {
      if (s) return s;
      const next = rest.shift();
      if (!next) throw this.outputError(`the model returned no value for column ${plan.columns[k]!.name}`, outputs);
      return next;
    });
  }

  private outputError(message: string, outputs: RemoteOutput[], hint?: string): UserError {
    const have = outputs.map((o) => `${o.name}[${o.width}]`).join(', ') || 'none';
    return new UserError(`model ${this.name}: ${message} (outputs: ${have})`, { origin: this.name, hint: hint ?? 'rename the OUTPUT columns after the model outputs' });
  }
}

/** A value as the protocol's JSON wants it for a tensor of `datatype`; throws `BadValue` saying why not. */
function checkValue(v: unknown, datatype: RemoteDatatype): unknown {
  if (v === null || v === undefined) throw new BadValue('missing');
  switch (datatype) {
    case 'BYTES':
      if (typeof v === 'string') return v;
      throw new BadValue('not a string');
    case 'BOOL':
      if (typeof v === 'boolean') return v;
      if (v === 0 || v === 1) return v === 1;
      throw new BadValue('not a boolean');
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      const n = typeof v === 'bigint' || typeof v === 'boolean' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new BadValue('not a finite number');
      return n;
    }
    default: {
      const n = typeof v === 'bigint' || typeof v === 'boolean' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new BadValue('not an integer');
      const range = INT_RANGES[datatype];
      if (range && (n < range[0] || n > range[1])) throw new BadValue(`outside ${range[0]}..${range[1]}`);
      if (!Number.isSafeInteger(n)) throw new BadValue('outside the safe integer range');
      return n;
    }
  }
}

/** The server's own words from an error body: KServe/TF Serving `{"error": …}`, FastAPI `{"detail": …}`, or the text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null) {
      const o = body as Record<string, unknown>;
      if (typeof o.error === 'string') return o.error;
      if (o.detail !== undefined) return clip(typeof o.detail === 'string' ? o.detail : JSON.stringify(o.detail));
    }
  } catch {
    // not JSON: the text itself
  }
  return clip(text) || '(empty body)';
}

function clip(text: string): string {
  const t = text.trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}
