import type { DataStream } from '../../api/datastream.js';
import type { Batch } from '../../core/batch.js';
import type { OperatorContext, Output, StreamOperator } from '../../operators/operator.js';
import type { ScoreMapping } from '../onnx-model.js';
import { FALLBACK } from '../predict-operator.js';
import { chunkedAsyncOperator } from './chunked-async.js';
import { openScorer, scoreRows, scoringStats, warnOnce } from './scorer.js';
import type { Scorer, ScorerSource, ScoringStats } from './scorer.js';

/** A record with the model's output columns and `scored_by` added. */
export type Scored<T> = T & Record<string, unknown> & { scored_by: string };

/** `scored_by` of records a fallback rule scored: the same label ML_PREDICT uses. */
export const FALLBACK_LABEL = FALLBACK;

export interface ScoreRemoteOptions<T> {
  /** An open `RemoteModel` (or any scorer), or the options to open one per operator instance. */
  model: ScorerSource;
  /** Record fields fed to the model, as in `OnnxModel.score`. */
  inputs: ScoreMapping['inputs'];
  /** Output columns added to each record, e.g. `'score DOUBLE'`. */
  outputs: ScoreMapping['outputs'];
  /**
   * The rule that gives the output columns of a record the model did not score (it failed, timed out,
   * was not reachable, or the record's input was bad). Without it such a record fails the job.
   */
  fallback?: (record: T, error: Error) => Record<string, unknown>;
  /** Records per request; default 128. */
  batchRows?: number;
  /** Requests in flight per operator instance; default 8. */
  maxInFlight?: number;
  /** Emit in input order (default) or as requests finish. */
  ordered?: boolean;
  /** Counters to update (pass your own object to read them while the job runs). */
  stats?: ScoringStats;
}

class ScoreOperator<T extends object> implements StreamOperator<T, Scored<T>> {
  readonly name: string;
  private scorer: Scorer | undefined;
  private owned = false;
  private warn: (kind: string, message: string) => void = () => {};
  private readonly mapping: ScoreMapping;
  private readonly stats: ScoringStats;

  constructor(private readonly options: ScoreRemoteOptions<T>) {
    this.name = 'score-remote';
    this.mapping = { inputs: options.inputs, outputs: options.outputs };
    this.stats = options.stats ?? scoringStats();
  }

  open(ctx: OperatorContext): void {
    this.warn = warnOnce((m) => ctx.log('warn', m), this.name);
    const { scorer, owned } = openScorer(this.options.model);
    this.scorer = scorer;
    this.owned = owned;
  }

  async processBatch(batch: Batch<T>, out: Output<Scored<T>>): Promise<void> {
    const scorer = this.scorer!;
    const records = batch.values as unknown as Record<string, unknown>[];
    const results = await scoreRows(scorer, records, this.mapping, this.stats, this.warn);
    const fallback = this.options.fallback;
    const label = scorer.label();
    const values: Scored<T>[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = results[i]!;
      if (r instanceof Error) {
        if (!fallback) throw r;
        values[i] = { ...batch.values[i]!, ...fallback(batch.values[i]!, r), scored_by: FALLBACK_LABEL } as Scored<T>;
        this.stats.fallback++;
      } else {
        values[i] = { ...batch.values[i]!, ...r, scored_by: label } as Scored<T>;
        this.stats.scored++;
      }
    }
    this.stats.rows += records.length;
    out.emitBatch({ values, timestamps: batch.timestamps, keys: batch.keys });
  }

  async close(): Promise<void> {
    if (this.owned) await this.scorer?.close?.();
    this.scorer = undefined;
  }
}

/**
 * Scores every record of a stream with a model server: records go out in requests of `batchRows`,
 * up to `maxInFlight` requests at once, with the model's time limit and retries; each record comes back
 * with the output columns and `scored_by` (the model's label, or `fallback`). With a `fallback` no record
 * is dropped and no failure stops the job.
 *
 * @example
 * const scored = scoreRemote(txns, {
 *   model: { provider: 'kserve', endpoint: 'http://127.0.0.1:8090', model: 'fraud', timeoutMs: 50 },
 *   inputs: ['amount', 'n_1m'], outputs: 'probabilities_1 DOUBLE',
 *   fallback: (t) => ({ probabilities_1: t.amount > 1000 ? 0.9 : 0.1 }),
 * });
 */
export function scoreRemote<T extends object>(stream: DataStream<T>, options: ScoreRemoteOptions<T>): DataStream<Scored<T>> {
  return stream.transform('score-remote', () => chunkedAsyncOperator(new ScoreOperator<T>(options), {
    chunkRows: options.batchRows ?? 128,
    maxInFlight: options.maxInFlight ?? 8,
    ordered: options.ordered ?? true,
  }));
}
