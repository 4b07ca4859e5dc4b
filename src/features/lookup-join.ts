import type { Batch } from '../core/batch.js';
import { errorMessage } from '../core/errors.js';
import type { DataStream } from '../api/datastream.js';
import type { OperatorContext, Output, StreamOperator } from '../operators/operator.js';
import type { FeatureRow, FeatureValues } from './feature-row.js';
import type { FeatureSource } from './feature-lookup.js';

/** A record with the features found for it. */
export interface Enriched<T> {
  record: T;
  /** The entity's features, `null` when it has none or the lookup failed. */
  features: FeatureValues | null;
  /** Event time of those features (when they were computed), `null` without features. */
  featureTime: number | null;
  /** True when the store could not be read (after retries): `features` is null for that reason, not because the entity is unknown. */
  lookupFailed: boolean;
}

export interface LookupJoinOptions<T, OUT> {
  /** Creates the feature source of one subtask (opened with the operator, closed with it). */
  lookup: () => FeatureSource;
  /** The entity key of a record. */
  key: (record: T) => string | number;
  /** Builds the output; defaults to `Enriched<T>`. */
  join?: (record: T, row: FeatureRow | null, lookupFailed: boolean) => OUT;
  name?: string;
}

/** Counters of one lookup-join subtask. */
export interface LookupJoinCounters {
  records: number;
  /** Records emitted with `lookupFailed` because the store failed after retries. */
  failed: number;
}

/**
 * The lookup-join operator: one batched `get` per input batch, then every record is emitted, enriched,
 * in input order with its timestamp. `processBatch` returns a promise; the runtime holds later batches,
 * watermarks and barriers until it settles, so a checkpoint never cuts a batch in half.
 *
 * A failed lookup never drops records: they go on with null features and `lookupFailed`, and a warning
 * is logged once per failed batch.
 */
export class LookupJoinOperator<T, OUT> implements StreamOperator<T, OUT> {
  readonly name: string;
  readonly counters: LookupJoinCounters = { records: 0, failed: 0 };
  private source: FeatureSource | undefined;
  private ctx: OperatorContext | undefined;

  constructor(private readonly options: LookupJoinOptions<T, OUT>) {
    this.name = options.name ?? 'lookup-join';
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.source = this.options.lookup();
  }

  async processBatch(batch: Batch<T>, out: Output<OUT>): Promise<void> {
    const n = batch.values.length;
    if (n === 0) return;
    const source = this.source ?? (this.source = this.options.lookup());
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) keys[i] = String(this.options.key(batch.values[i]!));
    let rows: (FeatureRow | null)[] | undefined;
    try {
      rows = await source.get(keys);
    } catch (err) {
      this.counters.failed += n;
      const msg = `lookup of ${n} keys failed, emitting them without features: ${errorMessage(err)}`;
      if (this.ctx) this.ctx.log('warn', msg);
      else process.emitWarning(msg);
    }
    const join = this.options.join ?? (defaultJoin as unknown as (r: T, row: FeatureRow | null, failed: boolean) => OUT);
    const failed = rows === undefined;
    const values = new Array<OUT>(n);
    for (let i = 0; i < n; i++) values[i] = join(batch.values[i]!, rows?.[i] ?? null, failed);
    this.counters.records += n;
    out.emitBatch({ values, timestamps: batch.timestamps, keys: batch.keys });
  }

  async close(): Promise<void> {
    await this.source?.close?.();
    this.source = undefined;
  }
}

function defaultJoin<T>(record: T, row: FeatureRow | null, lookupFailed: boolean): Enriched<T> {
  return { record, features: row?.values ?? null, featureTime: row?.time ?? null, lookupFailed };
}

/**
 * Enriches each record of `stream` with the current features of its entity (a lookup join against the
 * online feature store), one batched read per batch behind the lookup's cache.
 *
 * @example
 * const scored = lookupJoin(txns, {
 *   key: (t) => t.card_id,
 *   lookup: () => new FeatureLookup({ url, namespace: 'card', cache: { ttlMs: 1000 } }),
 * }); // DataStream<Enriched<Txn>>
 */
export function lookupJoin<T, OUT = Enriched<T>>(stream: DataStream<T>, options: LookupJoinOptions<T, OUT>): DataStream<OUT> {
  return stream.transform(options.name ?? 'lookup-join', () => new LookupJoinOperator<T, OUT>(options));
}
