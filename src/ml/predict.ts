import { basename } from 'node:path';
import type { DataStream } from '../api/datastream.js';
import type { Batch } from '../core/batch.js';
import { UserError } from '../core/errors.js';
import type { Key } from '../core/keys.js';
import type { OperatorContext, Output, StreamOperator } from '../operators/operator.js';
import { parseOutputColumns } from './column-types.js';
import { MlPredictOperator, type MlPredictSpec } from './predict-operator.js';

/** Options of {@link predict}. */
export interface PredictOptions<T> {
  /** An ONNX file, or a registry model whose production version is scored (promotions, A/B and shadow followed). */
  model: { path: string } | { registry: string; name: string };
  /** The model's name in metrics (`weir_model_*{model=...}`) and messages; default the registry name or file name. */
  name?: string;
  /** Record fields fed to the model, in its input order. */
  inputs: readonly (keyof T & string)[];
  /** Output columns added to each record, e.g. `'score DOUBLE'` or `'label BIGINT, score DOUBLE'`. */
  outputs: string;
  /** The A/B key of a record, e.g. its card id; default its input values. */
  key?: (record: T) => Key;
  /** The first output's value for a record the model cannot score; without it such a record fails the job. */
  fallback?: (record: T) => unknown;
  /** Time limit of one model call on a batch. */
  timeoutMs?: number;
  /** JSON-lines file where shadow scores are logged beside production's. */
  shadowLog?: string;
  /** Rows per onnxruntime run() (default 4096). */
  maxBatchRows?: number;
}

/** A record with the model's outputs and `scored_by` (`model:v3`, `model:fraud.onnx` or `fallback`) added. */
export type Predicted<T> = T & Record<string, unknown> & { scored_by: string };

/*
 * The record travels through the ML_PREDICT operator as a row [record, key, ...inputs], so a
 * DataStream job scores, routes, falls back and counts exactly as a SQL job does.
 */
class PredictOperator<T extends object> implements StreamOperator<T, Predicted<T>> {
  readonly name: string;
  private readonly inner: MlPredictOperator;
  private readonly names: string[];

  constructor(private readonly options: PredictOptions<T>, spec: MlPredictSpec) {
    this.name = `predict(${spec.model})`;
    this.inner = new MlPredictOperator(spec);
    this.names = spec.outputs.map((o) => o.name);
  }

  open(ctx: OperatorContext): void {
    this.inner.open(ctx);
  }

  async processBatch(batch: Batch<T>, out: Output<Predicted<T>>): Promise<void> {
    const { inputs, key } = this.options;
    const rows = batch.values.map((r) => {
      const row: unknown[] = [r, key ? key(r) : null];
      for (const f of inputs) row.push(r[f]);
      return row;
    });
    const width = 2 + inputs.length;
    const names = this.names;
    const adapter: Output<unknown[]> = {
      emit: () => { throw new Error('internal: the ML_PREDICT operator emits whole batches'); },
      emitSide: () => {},
      emitWatermark: () => {},
      emitBatch: (b) => {
        const values = b.values.map((row) => {
          const p = { ...(row[0] as T) } as Record<string, unknown>;
          names.forEach((n, c) => { p[n] = row[width + c]; });
          p.scored_by = row[width + names.length];
          return p as Predicted<T>;
        });
        out.emitBatch({ values, timestamps: b.timestamps, keys: batch.keys });
      },
    };
    await this.inner.processBatch({ values: rows, timestamps: batch.timestamps }, adapter);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * ML_PREDICT for the DataStream API: scores each batch of records with an ONNX model in the stream and
 * adds its outputs and `scored_by` to every record. A registry model follows promotions and A/B and
 * shadow stages without a restart, exactly as in SQL, and is counted in the same Prometheus metrics.
 *
 * @example
 * const scored = predict(txns, {
 *   model: { registry: '.weir/models', name: 'fraud' },
 *   inputs: ['amount', 'txn_count_1m', 'amount_sum_1h', 'distinct_countries_1h', 'amount_avg_ratio'],
 *   outputs: 'score DOUBLE',
 *   key: (t) => t.card_id,
 *   fallback: (t) => (t.amount > 1000 ? 0.9 : 0.1),
 * });
 */
export function predict<T extends object>(stream: DataStream<T>, options: PredictOptions<T>): DataStream<Predicted<T>> {
  const outputs = parseOutputColumns(options.outputs);
  if (options.inputs.length === 0) throw new UserError('predict needs at least one input field', { origin: 'predict' });
  for (const o of outputs) {
    if ((options.inputs as readonly string[]).includes(o.name) || o.name === 'scored_by') {
      throw new UserError(`predict: output column "${o.name}" would overwrite a field of the record`, { origin: 'predict', hint: 'rename the output column' });
    }
  }
  const m = options.model;
  const source: MlPredictSpec['source'] = 'path' in m ? { kind: 'path', path: m.path } : { kind: 'registry', dir: m.registry, model: m.name };
  const name = options.name ?? ('path' in m ? basename(m.path) : m.name);
  const spec: MlPredictSpec = {
    model: name, source, inputNames: [...options.inputs], inputIndexes: options.inputs.map((_, i) => 2 + i),
    inputCasts: options.inputs.map(() => undefined), outputs,
  };
  const fallback = options.fallback;
  if (fallback) spec.fallback = (_inputs, row) => fallback(row[0] as T);
  if (options.key) spec.keyIndex = 1;
  if (options.timeoutMs !== undefined) spec.timeoutMs = options.timeoutMs;
  if (options.shadowLog !== undefined) spec.shadowLog = options.shadowLog;
  if (options.maxBatchRows !== undefined) spec.maxBatchRows = options.maxBatchRows;
  return stream.transform(`predict(${name})`, () => new PredictOperator(options, spec));
}
