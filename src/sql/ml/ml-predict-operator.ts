import { basename } from 'node:path';
import type { Batch } from '../../core/batch.js';
import { ExternalError, UserError, WeirError, errorMessage } from '../../core/errors.js';
import type { Row } from '../../connectors/registry.js';
import { LiveModel, ModelRegistry, OnnxModel } from '../../ml/index.js';
import type { OutputColumn, ScoreMapping, ScoredRow } from '../../ml/index.js';
import type { OperatorContext, Output, StreamOperator } from '../../operators/operator.js';
import type { CastFn } from '../types/cast.js';
import type { ModelSource } from './model-catalog.js';

/** What the ML_PREDICT operator needs; plain data and functions, built by the planner. */
export interface MlPredictSpec {
  /** The model's name in the SQL session (counters and messages). */
  model: string;
  source: ModelSource;
  /** Model INPUT column names, in order: the record keys the ONNX mapping reads. */
  inputNames: string[];
  /** Where each INPUT column's value sits in an input row. */
  inputIndexes: number[];
  inputCasts: (CastFn | undefined)[];
  /** Model OUTPUT columns with SQL type names. */
  outputs: OutputColumn[];
  /** Gives the first output column from the INPUT values when the model cannot; without it failures fail the job. */
  fallback?: (inputs: unknown[]) => unknown;
  timeoutMs?: number;
  maxBatchRows?: number;
  /** How long to wait before trying again to load a model that failed to load; default 5000 ms. */
  reloadAfterMs?: number;
  /** Opens the scorer instead of loading `source` (tests, or a model served another way). */
  openScorer?: () => Promise<MlScorer>;
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
}

const COUNTERS = new Map<string, MlPredictCounters>();

/**
 * The scoring counters of a model by its SQL name. Operators running in this thread update them live;
 * jobs on worker threads keep their own copies.
 */
export function mlPredictCounters(model: string): MlPredictCounters {
  let c = COUNTERS.get(model);
  if (!c) {
    c = { rows: 0, scored: 0, fallback: 0, badRows: 0, modelErrors: 0, timeouts: 0, loadErrors: 0, fallbackErrors: 0, swaps: 0 };
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
  close(): Promise<void>;
}

class Timeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Timeout(`no result within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

/**
 * Scores each batch with one model call (micro-batching) and appends the OUTPUT columns and
 * `scored_by` to every row. With a fallback nothing is dropped and nothing fails: a row with a bad
 * input value, a batch the model throws on or does not finish within the timeout, and every batch
 * while the model cannot be loaded get the fallback's value, `scored_by = 'fallback'`, and are counted.
 * A model from a registry follows promotions (`LiveModel`): `scored_by` names the version.
 */
export class MlPredictOperator implements StreamOperator<Row, Row> {
  readonly name: string;
  private scorer: MlScorer | undefined;
  private opening: Promise<MlScorer | undefined> | undefined;
  private retryAt = 0;
  private ctx: OperatorContext | undefined;
  private readonly mapping: ScoreMapping;
  private readonly counters: MlPredictCounters;
  private readonly warned = new Set<string>();

  constructor(private readonly spec: MlPredictSpec) {
    this.name = `ml-predict(${spec.model})`;
    this.mapping = { inputs: spec.inputNames, outputs: spec.outputs };
    this.counters = mlPredictCounters(spec.model);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  async processBatch(batch: Batch<Row>, out: Output<Row>): Promise<void> {
    const spec = this.spec;
    const rows = batch.values;
    const n = rows.length;
    if (n === 0) return;
    const k = spec.inputNames.length;
    const inputs: unknown[][] = new Array(n);
    const records: Record<string, unknown>[] = [];
    const recordRow: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const vals = new Array<unknown>(k);
      let ok = true;
      for (let c = 0; c < k; c++) {
        let v = row[spec.inputIndexes[c]!];
        const cast = spec.inputCasts[c];
        if (cast && v !== null && v !== undefined) {
          try {
            v = cast(v);
          } catch {
            v = null;
            ok = false;
          }
        }
        vals[c] = v;
      }
      inputs[i] = vals;
      if (!ok) {
        this.counters.badRows++;
        this.warn('bad-row', `a row whose input cannot be cast to the INPUT types was scored by the fallback: ${JSON.stringify(vals)}`);
        continue;
      }
      const rec: Record<string, unknown> = {};
      for (let c = 0; c < k; c++) rec[spec.inputNames[c]!] = vals[c];
      records.push(rec);
      recordRow.push(i);
    }

    const outputs = new Array<unknown[] | undefined>(n);
    let label = FALLBACK;
    const scorer = await this.currentScorer();
    if (scorer && records.length > 0) {
      label = scorer.label();
      let settled: ScoredRow[] | undefined;
      try {
        settled = await withTimeout(scorer.scoreSettled(records, this.mapping), spec.timeoutMs);
      } catch (err) {
        if (err instanceof Timeout) {
          this.counters.timeouts++;
          if (!spec.fallback) {
            throw new ExternalError(`model ${spec.model} did not score a batch of ${records.length} rows within ${spec.timeoutMs} ms`, {
              origin: this.name, hint: "raise 'timeout', or add a 'fallback' expression to the model so slow batches are scored by it",
            });
          }
          this.warn('timeout', `a batch of ${records.length} rows took longer than ${spec.timeoutMs} ms; scored by the fallback`);
        } else {
          this.counters.modelErrors++;
          if (!spec.fallback) throw err;
          this.warn('model-error', `the model failed on a batch of ${records.length} rows; scored by the fallback: ${errorMessage(err)}`);
        }
      }
      if (settled) {
        const names = spec.outputs.map((o) => o.name);
        for (let j = 0; j < settled.length; j++) {
          const r = settled[j]!;
          const i = recordRow[j]!;
          if (r.ok) {
            outputs[i] = names.map((nm) => r.output[nm] ?? null);
          } else if (!spec.fallback) {
            throw new UserError(`row ${j} of a batch cannot be scored by model ${spec.model}: ${r.error.message}`, { origin: this.name, hint: r.error.hint });
          } else {
            this.counters.badRows++;
            this.warn('bad-row', `a row with a bad input was scored by the fallback: ${r.error.message}`);
          }
        }
      }
    }

    const width = spec.outputs.length;
    const result: Row[] = new Array(n);
    let fallbacks = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      let o = outputs[i];
      let by = label;
      if (!o) {
        if (!spec.fallback) {
          // Only a bad cast gets here without a fallback (everything else threw above).
          throw new UserError(`a row's input for model ${spec.model} cannot be cast to the INPUT types: ${JSON.stringify(inputs[i])}`, {
            origin: this.name, hint: "add a 'fallback' expression to the model, or filter the rows before ML_PREDICT",
          });
        }
        by = FALLBACK;
        fallbacks++;
        o = new Array<unknown>(width).fill(null);
        try {
          o[0] = spec.fallback(inputs[i]!);
        } catch {
          this.counters.fallbackErrors++;
        }
      }
      const r = row.slice();
      for (let c = 0; c < width; c++) r.push(o[c]);
      r.push(by);
      result[i] = r;
    }
    this.counters.rows += n;
    this.counters.fallback += fallbacks;
    this.counters.scored += n - fallbacks;
    out.emitBatch({ values: result, timestamps: batch.timestamps });
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
      return { label: () => label, scoreSettled: (r, m) => model.scoreSettled(r, m), close: () => model.close() };
    }
    const registry = await ModelRegistry.open(spec.source.dir);
    const live = await LiveModel.open(registry, spec.source.model, {
      ...options,
      onSwap: (v, prev) => {
        this.counters.swaps++;
        this.ctx?.log('info', `model ${spec.model} now scores with version ${v.version} (was ${prev.version})`);
      },
      onError: (err, v) => this.ctx?.log('warn', `model ${spec.model} version ${v.version} was promoted but not swapped in: ${errorMessage(err)}`),
    });
    return { label: () => `model:v${live.version.version}`, scoreSettled: (r, m) => live.scoreSettled(r, m), close: () => live.close() };
  }

  /** Logs a failure kind once per operator, so a dead model does not flood the log. */
  private warn(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.ctx?.log('warn', `${this.name}: ${message} (further ${kind} messages suppressed; see the counters)`);
  }
}
