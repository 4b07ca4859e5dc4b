import { appendFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Batch } from '../core/batch.js';
import { ExternalError, UserError, WeirError, errorMessage } from '../core/errors.js';
import { type Key, normalizeKey } from '../core/keys.js';
import type { OperatorContext, Output, StreamOperator } from '../operators/operator.js';
import type { OutputColumn } from './column-types.js';
import { LiveModel, type RouteOptions } from './live-model.js';
import { modelMetrics } from './model-metrics.js';
import { ModelRegistry } from './model-registry.js';
import { OnnxModel, type PositionalRows, type ScoreMapping, type ScoredColumns, type ScoredRow, makeRecordBuilder } from './onnx-model.js';
import { type ScoringGroup, allRows, runGroup } from './scoring-group.js';

/** A row the operator scores: positional values, as SQL rows are. */
type Row = unknown[];

/** Where the model's ONNX file comes from: a file, or a registry model (its production version, followed). */
export type ModelSource =
  | { kind: 'path'; path: string }
  | { kind: 'registry'; dir: string; model: string };

/**
 * What the ML_PREDICT operator needs; plain data and functions, built by the SQL planner or by
 * {@link predict} for a DataStream.
 */
export interface MlPredictSpec {
  /** The model's name in the SQL session (counters and messages). */
  model: string;
  source: ModelSource;
  /** Model INPUT column names, in order: the record keys the ONNX mapping reads. */
  inputNames: string[];
  /** Where each INPUT column's value sits in an input row. */
  inputIndexes: number[];
  /** Converts an input value to its INPUT type (undefined: none needed); a throw marks the row bad. */
  inputCasts: (((v: unknown) => unknown) | undefined)[];
  /** Model OUTPUT columns with SQL type names. */
  outputs: OutputColumn[];
  /** Gives the first output column from the INPUT values (and the input row) when the model cannot; without it failures fail the job. */
  fallback?: (inputs: unknown[], row: Row) => unknown;
  timeoutMs?: number;
  maxBatchRows?: number;
  /** How long to wait before trying again to load a model that failed to load; default 5000 ms. */
  reloadAfterMs?: number;
  /** Opens the scorer instead of loading `source` (tests, or a model served another way). */
  openScorer?: () => Promise<MlScorer>;
  /** Position in the input row of the A/B key column (`'ab.key'`); without it the INPUT values are the key. */
  keyIndex?: number;
  /** JSON-lines file the shadow comparisons are appended to (`'shadow.log'`). */
  shadowLog?: string;
}

/**
 * Counters of one model's scoring in this process, summed over its ML_PREDICT operators. A row is
 * counted once in `scored` or `fallback`; `badRows`, `modelErrors` (batches), `timeouts` (batches)
 * and `loadErrors` say why the fallback was used.
 */
export interface MlPredictCounters {
  rows: number;
  scored: number;
  fallback: number;
  badRows: number;
  modelErrors: number;
  timeouts: number;
  loadErrors: number;
  /** Rows whose fallback expression itself failed (their outputs are NULL). */
  fallbackErrors: number;
  swaps: number;
  /** Rows scored by the B side of an A/B test (also in `scored`). */
  ab: number;
  /** Rows the shadow scored (not in `rows`: the shadow does not change outputs). */
  shadow: number;
  /** Shadow batches that failed or timed out, and shadow log writes that failed. */
  shadowErrors: number;
  /** Shadow batches that ran out of time (also in `shadowErrors`). */
  shadowTimeouts: number;
}

const COUNTERS = new Map<string, MlPredictCounters>();

/**
 * The scoring counters of a model by its SQL name. Operators running in this thread update them live;
 * jobs on worker threads keep their own copies.
 */
export function mlPredictCounters(model: string): MlPredictCounters {
  let c = COUNTERS.get(model);
  if (!c) {
    c = { rows: 0, scored: 0, fallback: 0, badRows: 0, modelErrors: 0, timeouts: 0, loadErrors: 0, fallbackErrors: 0, swaps: 0, ab: 0, shadow: 0, shadowErrors: 0, shadowTimeouts: 0 };
    COUNTERS.set(model, c);
  }
  return c;
}

/** Forgets all counters (tests, and a demo that runs twice in one process). */
export function resetMlPredictCounters(): void {
  COUNTERS.clear();
}

/** `scored_by` of rows the fallback scored. */
export const FALLBACK = 'fallback';

/** What scores rows for the operator: an ONNX model, a live registry model, or (in tests) anything else. */
export interface MlScorer {
  /** `scored_by` of rows this scorer scores now. */
  label(): string;
  scoreSettled(rows: readonly Record<string, unknown>[], mapping: ScoreMapping): Promise<ScoredRow[]>;
  /** Scores on several paths (A/B, shadow); without it every row goes to `scoreSettled`. */
  scoreRouted?(rows: readonly Record<string, unknown>[], mapping: ScoreMapping, options: RouteOptions): Promise<ScoringGroup[]>;
  /**
   * Scores positional rows on every path, results column by column (no record per row); preferred
   * over the other two when present.
   */
  scoreBatch?(input: PositionalRows, mapping: ScoreMapping, options: RouteOptions): Promise<ScoringGroup<ScoredColumns>[]>;
  close(): Promise<void>;
}

/**
 * Scores each batch with one model call per path (micro-batching) and appends the OUTPUT columns and
 * `scored_by` to every row. With a fallback nothing is dropped and nothing fails: a row with a bad
 * input value, a batch the model throws on or does not finish within the timeout, and every batch
 * while the model cannot be loaded get the fallback's value, `scored_by = 'fallback'`, and are counted.
 * A model from a registry follows promotions, A/B and shadow stages (`LiveModel`): `scored_by` names
 * the version that scored the row; rows whose key falls in the A/B share go to the B version; a
 * shadow scores every row beside them, logged to `shadowLog` and never changing an output; the batch
 * waits for it, but never longer than `timeoutMs` (1000 ms without one), so a hung shadow only slows
 * batches by that much and is counted in `shadowTimeouts`. Every
 * path is counted in {@link modelMetrics} (`weir_model_*` on the job's Prometheus page).
 */
export class MlPredictOperator implements StreamOperator<Row, Row> {
  readonly name: string;
  private scorer: MlScorer | undefined;
  private opening: Promise<MlScorer | undefined> | undefined;
  private retryAt = 0;
  private ctx: OperatorContext | undefined;
  private readonly mapping: ScoreMapping;
  private readonly outputNames: string[];
  private readonly record: (values: unknown[]) => Record<string, unknown>;
  private readonly counters: MlPredictCounters;
  private readonly warned = new Set<string>();
  /** Whether some INPUT value needs a cast; then the model reads cast values at `castIndexes`. */
  private readonly casts: boolean;
  private readonly castIndexes: number[];

  constructor(private readonly spec: MlPredictSpec) {
    this.name = `ml-predict(${spec.model})`;
    this.mapping = { inputs: spec.inputNames, outputs: spec.outputs };
    this.outputNames = spec.outputs.map((o) => o.name);
    this.record = makeRecordBuilder(spec.inputNames);
    this.counters = mlPredictCounters(spec.model);
    this.casts = spec.inputCasts.some((c) => c !== undefined);
    this.castIndexes = spec.inputNames.map((_, c) => c);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  async processBatch(batch: Batch<Row>, out: Output<Row>): Promise<void> {
    const spec = this.spec;
    const rows = batch.values;
    const n = rows.length;
    if (n === 0) return;
    // The model reads the INPUT values straight from the rows unless some need a cast: then from
    // arrays of cast values, without the rows whose cast failed (`scoredRow` maps back).
    let source: readonly (readonly unknown[])[] = rows;
    let indexes = spec.inputIndexes;
    let cast: unknown[][] | undefined;
    let scoredRow: number[] | undefined;
    if (this.casts) {
      ({ cast, scoredRow } = this.castInputs(rows));
      source = scoredRow ? scoredRow.map((i) => cast![i]!) : cast;
      indexes = this.castIndexes;
    }
    const inputsOf = (i: number): unknown[] => cast?.[i] ?? spec.inputIndexes.map((x) => rows[i]![x]);
    const rowOf = scoredRow ? (j: number): number => scoredRow[j]! : (j: number): number => j;

    const width = spec.outputs.length;
    const result: Row[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const len = row.length;
      // Preallocated and filled by index: slice + push reallocates the row on the hot path. The
      // string slot is set first so the array is generic from the start: set last, it would turn an
      // all-number array (doubles unboxed) into a generic one, copying and boxing every value.
      const r = new Array<unknown>(len + width + 1);
      r[len + width] = FALLBACK;
      for (let c = 0; c < len; c++) r[c] = row[c];
      result[i] = r;
    }
    // Rows a model call scored; the rest take the fallback.
    const scored = new Uint8Array(n);
    // The version whose call failed for a row, as the `version` label of its fallback count.
    let failedBy: string[] | undefined;
    let shadow: ScoringGroup<ScoredColumns> | undefined;
    // Loaded, the scorer is taken without awaiting an async call: a batch's fixed cost counts at small batches.
    const scorer = this.scorer ?? await this.currentScorer();
    if (scorer && source.length > 0) {
      const groups = await this.score(scorer, { rows: source, indexes }, (j) => this.keyOf(rows[rowOf(j)]!, inputsOf(rowOf(j))));
      for (const g of groups) {
        if (g.variant === 'shadow') {
          shadow = g;
          this.countShadow(g);
          continue;
        }
        modelMetrics.batch(spec.model, g.version, g.variant, g.seconds);
        if (!g.results) {
          failedBy ??= [];
          for (const j of g.rows) failedBy[rowOf(j)] = g.version;
          this.modelFailed(g, source.length);
          continue;
        }
        const { columns, errors } = g.results;
        const label = g.label;
        let ok = 0;
        for (let x = 0; x < g.rows.length; x++) {
          const j = g.rows[x]!;
          const i = rowOf(j);
          const error = errors?.[x];
          if (error) {
            if (!spec.fallback) {
              throw new UserError(`row ${j} of a batch cannot be scored by model ${spec.model}: ${error.message}`, { origin: this.name, hint: error.hint });
            }
            (failedBy ??= [])[i] = g.version;
            this.counters.badRows++;
            modelMetrics.error(spec.model, g.version, g.variant, 'bad_row');
            this.warn('bad-row', `a row with a bad input was scored by the fallback: ${error.message}`);
            continue;
          }
          const r = result[i]!;
          const base = r.length - width - 1;
          for (let c = 0; c < width; c++) r[base + c] = columns[c]![x] ?? null;
          r[base + width] = label;
          scored[i] = 1;
          ok++;
        }
        modelMetrics.rows(spec.model, g.version, g.variant, ok);
        if (g.variant === 'ab') this.counters.ab += ok;
      }
    }

    let fallbacks = 0;
    let fallbackBy: Map<string, number> | undefined;
    for (let i = 0; i < n; i++) {
      if (scored[i] === 1) continue;
      const inputs = inputsOf(i);
      if (!spec.fallback) {
        // Only a bad cast gets here without a fallback (everything else threw above).
        throw new UserError(`a row's input for model ${spec.model} cannot be cast to the INPUT types: ${JSON.stringify(inputs)}`, {
          origin: this.name, hint: "add a 'fallback' expression to the model, or filter the rows before ML_PREDICT",
        });
      }
      const version = failedBy?.[i] ?? 'none';
      fallbacks++;
      fallbackBy ??= new Map();
      fallbackBy.set(version, (fallbackBy.get(version) ?? 0) + 1);
      const r = result[i]!;
      const base = r.length - width - 1;
      for (let c = 0; c < width; c++) r[base + c] = null;
      try {
        r[base] = spec.fallback(inputs, rows[i]!);
      } catch (err) {
        this.counters.fallbackErrors++;
        modelMetrics.error(spec.model, version, 'fallback', 'fallback_expr');
        this.warn('fallback-error', `the fallback expression failed on a row; its output is NULL: ${errorMessage(err)}`);
      }
      r[base + width] = FALLBACK;
    }
    if (fallbackBy) for (const [version, count] of fallbackBy) modelMetrics.rows(spec.model, version, 'fallback', count);
    this.counters.rows += n;
    this.counters.fallback += fallbacks;
    this.counters.scored += n - fallbacks;
    if (shadow?.results && spec.shadowLog !== undefined) await this.logShadow(shadow, result, rowOf, rows, inputsOf);
    out.emitBatch({ values: result, timestamps: batch.timestamps });
  }

  /**
   * The INPUT values of every row, cast; a row whose cast fails is counted and left out of
   * `scoredRow` (the rows to score, absent when all are).
   */
  private castInputs(rows: readonly Row[]): { cast: unknown[][]; scoredRow: number[] | undefined } {
    const spec = this.spec;
    const n = rows.length;
    const k = spec.inputIndexes.length;
    const cast: unknown[][] = new Array(n);
    let scoredRow: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const vals = new Array<unknown>(k);
      let ok = true;
      for (let c = 0; c < k; c++) {
        let v = row[spec.inputIndexes[c]!];
        const f = spec.inputCasts[c];
        if (f && v !== null && v !== undefined) {
          try {
            v = f(v);
          } catch {
            v = null;
            ok = false;
          }
        }
        vals[c] = v;
      }
      cast[i] = vals;
      if (ok) {
        scoredRow?.push(i);
        continue;
      }
      scoredRow ??= Array.from({ length: i }, (_, x) => x);
      this.counters.badRows++;
      modelMetrics.error(spec.model, 'none', 'prod', 'bad_row');
      this.warn('bad-row', `a row whose input cannot be cast to the INPUT types was scored by the fallback: ${JSON.stringify(vals)}`);
    }
    return { cast, scoredRow };
  }

  /**
   * Scores the rows on every path of the scorer; one settled group per model call, column by
   * column. Scorers without positional scoring get records (one per row) and their results are
   * turned into columns.
   */
  private async score(scorer: MlScorer, input: PositionalRows, keyOf: (j: number) => Key | undefined): Promise<ScoringGroup<ScoredColumns>[]> {
    const spec = this.spec;
    const options: RouteOptions = { key: keyOf, ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}) };
    if (scorer.scoreBatch) return scorer.scoreBatch(input, this.mapping, options);
    const records = input.rows.map((row) => this.record(input.indexes.map((x) => row[x])));
    let groups: ScoringGroup[];
    if (scorer.scoreRouted) {
      groups = await scorer.scoreRouted(records, this.mapping, options);
    } else {
      const label = scorer.label();
      const g = { variant: 'prod' as const, version: label.replace(/^model:v?/, ''), label, rows: records.map((_, j) => j) };
      groups = [await runGroup(g, () => scorer.scoreSettled(records, this.mapping), spec.timeoutMs)];
    }
    return groups.map((g) => (g.results ? { ...g, results: toColumns(g.results, this.outputNames) } : { ...g, results: undefined }));
  }

  /** The A/B key of a row: the `'ab.key'` column, else the INPUT values (the same input always takes the same path). */
  private keyOf(row: Row, inputs: unknown[]): Key | undefined {
    if (this.spec.keyIndex !== undefined) {
      const v = row[this.spec.keyIndex];
      return v === null || v === undefined ? null : typeof v === 'object' ? String(v) : (v as Key);
    }
    return normalizeKey(inputs.map((v) => (typeof v === 'object' && v !== null ? String(v) : v as Key)));
  }

  /** Counts a production or A/B call that threw or timed out; throws it on when there is no fallback. */
  private modelFailed(g: ScoringGroup<ScoredColumns>, batchRows: number): void {
    const spec = this.spec;
    if (g.timedOut) {
      this.counters.timeouts++;
      modelMetrics.error(spec.model, g.version, g.variant, 'timeout');
      // Without a limit of the operator's own, the model timed out by its own (a remote request's 'timeout').
      const limit = spec.timeoutMs !== undefined ? `${spec.timeoutMs} ms` : "the model's own 'timeout'";
      if (!spec.fallback) {
        throw new ExternalError(`model ${spec.model} did not score a batch of ${batchRows} rows within ${limit}`, {
          origin: this.name, hint: "raise 'timeout', or add a 'fallback' expression to the model so slow batches are scored by it",
        });
      }
      this.warn('timeout', `a batch of ${g.rows.length} rows took longer than ${limit}; scored by the fallback`);
      return;
    }
    this.counters.modelErrors++;
    modelMetrics.error(spec.model, g.version, g.variant, 'model');
    if (!spec.fallback) throw g.error;
    this.warn('model-error', `the model failed on a batch of ${g.rows.length} rows; scored by the fallback: ${errorMessage(g.error)}`);
  }

  private countShadow(g: ScoringGroup<ScoredColumns>): void {
    const spec = this.spec;
    modelMetrics.batch(spec.model, g.version, 'shadow', g.seconds);
    if (g.results) {
      let bad = 0;
      for (const e of g.results.errors ?? []) if (e) bad++;
      const ok = g.rows.length - bad;
      this.counters.shadow += ok;
      modelMetrics.rows(spec.model, g.version, 'shadow', ok);
      if (bad > 0) modelMetrics.error(spec.model, g.version, 'shadow', 'bad_row', bad);
      return;
    }
    this.counters.shadowErrors++;
    if (g.timedOut) this.counters.shadowTimeouts++;
    modelMetrics.error(spec.model, g.version, 'shadow', g.timedOut ? 'timeout' : 'model');
    this.warn('shadow', `the shadow version v${g.version} failed on a batch; outputs are not affected: ${errorMessage(g.error)}`);
  }

  /**
   * Appends one JSON line per shadow-scored row: the A/B key, what production answered (its version,
   * or `fallback`) and what the shadow answered, side by side. A failed write is counted, never thrown.
   */
  private async logShadow(
    g: ScoringGroup<ScoredColumns>, result: Row[], rowOf: (j: number) => number, rows: readonly Row[], inputsOf: (i: number) => unknown[],
  ): Promise<void> {
    const spec = this.spec;
    const names = this.outputNames;
    const { columns, errors } = g.results!;
    const ts = Date.now();
    let text = '';
    g.rows.forEach((j, x) => {
      if (errors?.[x]) return;
      const i = rowOf(j);
      const out = result[i]!;
      const base = out.length - names.length - 1;
      const production: Record<string, unknown> = { scored_by: out[base + names.length] };
      names.forEach((nm, c) => { production[nm] = out[base + c]; });
      const shadowOut: Record<string, unknown> = { scored_by: g.label };
      names.forEach((nm, c) => { shadowOut[nm] = columns[c]![x] ?? null; });
      text += `${JSON.stringify({ ts, model: spec.model, key: this.keyOf(rows[i]!, inputsOf(i)), production, shadow: shadowOut }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
    });
    if (text === '') return;
    try {
      await appendFile(spec.shadowLog!, text);
    } catch (err) {
      this.counters.shadowErrors++;
      modelMetrics.error(spec.model, g.version, 'shadow', 'shadow_log');
      this.warn('shadow-log', `cannot append to the shadow log ${spec.shadowLog}: ${errorMessage(err)}`);
    }
  }

  async close(): Promise<void> {
    const s = this.scorer ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    this.scorer = undefined;
    await s?.close();
  }

  /** The loaded model, loading it on first use; undefined while it cannot be loaded (fallback only). */
  private async currentScorer(): Promise<MlScorer | undefined> {
    if (this.scorer) return this.scorer;
    if (Date.now() < this.retryAt) return undefined;
    this.opening ??= this.spec.openScorer ? this.spec.openScorer() : this.openScorer();
    try {
      this.scorer = await this.opening;
      return this.scorer;
    } catch (err) {
      this.counters.loadErrors++;
      modelMetrics.error(this.spec.model, 'none', 'prod', 'load');
      if (!this.spec.fallback) {
        throw err instanceof WeirError ? err : new ExternalError(`cannot load model ${this.spec.model}: ${errorMessage(err)}`, { cause: err, origin: this.name });
      }
      this.retryAt = Date.now() + (this.spec.reloadAfterMs ?? 5000);
      this.warn('load', `cannot load the model, scoring with the fallback until it loads: ${errorMessage(err)}`);
      return undefined;
    } finally {
      this.opening = undefined;
    }
  }

  private async openScorer(): Promise<MlScorer> {
    const spec = this.spec;
    const options = { ...(spec.maxBatchRows !== undefined ? { maxBatchRows: spec.maxBatchRows } : {}), name: spec.model };
    if (spec.source.kind === 'path') {
      const model = await OnnxModel.load(spec.source.path, options);
      model.check(this.mapping);
      const label = `model:${basename(spec.source.path)}`;
      const version = basename(spec.source.path);
      return {
        label: () => label,
        scoreSettled: (r, m) => model.scoreSettled(r, m),
        scoreBatch: async (input, m, o) => {
          const rows = allRows(input.rows.length);
          return [await runGroup({ variant: 'prod', version, label, rows }, () => model.scoreBatch(input, m), o.timeoutMs)];
        },
        close: () => model.close(),
      };
    }
    const registry = await ModelRegistry.open(spec.source.dir);
    const live = await LiveModel.open(registry, spec.source.model, {
      ...options,
      onSwap: (v, prev) => {
        this.counters.swaps++;
        modelMetrics.swap(spec.model, String(v.version), 'prod');
        this.ctx?.log('info', `model ${spec.model} now scores with version ${v.version} (was ${prev.version})`);
      },
      onStage: (variant, v, prev) => {
        this.counters.swaps++;
        if (v) modelMetrics.swap(spec.model, String(v.version), variant);
        const what = variant === 'ab' ? 'A/B version' : 'shadow';
        this.ctx?.log('info', `model ${spec.model}: ${what} ${v ? `is now v${v.version}` : 'ended'}${prev ? ` (was v${prev.version})` : ''}`);
      },
      onError: (err, v, variant) => {
        modelMetrics.error(spec.model, String(v.version), variant, 'load');
        this.ctx?.log('warn', `model ${spec.model} version ${v.version} was promoted or staged but not swapped in: ${errorMessage(err)}`);
      },
    });
    return {
      label: () => `model:v${live.version.version}`,
      scoreSettled: (r, m) => live.scoreSettled(r, m),
      scoreRouted: (r, m, o) => live.scoreRouted(r, m, o),
      scoreBatch: (input, m, o) => live.scoreRoutedBatch(input, m, o),
      close: () => live.close(),
    };
  }

  /** Logs a failure kind once per operator, so a dead model does not flood the log. */
  private warn(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.ctx?.log('warn', `${this.name}: ${message} (further ${kind} messages suppressed; see the counters)`);
  }
}

/** Record results as columns: `names` read from each scored record (NULL when missing). */
function toColumns(results: readonly ScoredRow[], names: readonly string[]): ScoredColumns {
  const columns = names.map((nm) => results.map((r) => (r.ok ? r.output[nm] ?? null : undefined)));
  if (results.every((r) => r.ok)) return { columns };
  return { columns, errors: results.map((r) => (r.ok ? undefined : r.error)) };
}
