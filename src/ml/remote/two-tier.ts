import type { DataStream } from '../../api/datastream.js';
import type { Batch } from '../../core/batch.js';
import { UserError } from '../../core/errors.js';
import type { OperatorContext, Output, StreamOperator } from '../../operators/operator.js';
import { parseOutputColumns } from '../column-types.js';
import type { OutputColumn } from '../column-types.js';
import type { ScoreMapping } from '../onnx-model.js';
import { FALLBACK_LABEL } from './score-remote.js';
import { openScorer, scoreRows, scoringStats, warnOnce } from './scorer.js';
import type { Scorer, ScorerSource, ScoringStats } from './scorer.js';

/** A record with the output columns, the tier it was routed to and what scored it. */
export type TwoTierScored<T> = T & Record<string, unknown> & { tier: 'fast' | 'heavy'; scored_by: string };

/** Counters of each tier; `heavy.rows` are the records whose fast score passed. */
export interface TwoTierStats {
  fast: ScoringStats;
  heavy: ScoringStats;
}

export interface TwoTierOptions<T> {
  /** The in-process model every record goes through (an `OnnxModel`, or any scorer). */
  fast: ScorerSource;
  /** The model only records whose fast score passes go to (a `RemoteModel`, or options to open one). */
  heavy: ScorerSource;
  /** Record fields fed to both models. */
  inputs: ScoreMapping['inputs'];
  /** Output columns, e.g. `'score DOUBLE'`; the first one is the score `threshold` applies to. */
  outputs: ScoreMapping['outputs'];
  /** Inputs of the heavy model when they differ. */
  heavyInputs?: ScoreMapping['inputs'];
  /** How the heavy model's outputs give the same columns, e.g. `[{ name: 'score', from: { output: 'probabilities', index: 1 } }]`. */
  heavyOutputs?: ScoreMapping['outputs'];
  /** A record goes to the heavy model when its fast score is at least this. */
  threshold: number;
  /** Gives the outputs of a record the fast model did not score; without it such a record fails the job. */
  fastFallback?: (record: T, error: Error) => Record<string, unknown>;
  /**
   * Gives the outputs of a record the heavy model did not score (it failed, timed out, or is missing).
   * Without it the record keeps its fast outputs: `tier` stays `heavy` and `scored_by` names the fast model.
   */
  heavyFallback?: (record: T, fast: Record<string, unknown>, error: Error) => Record<string, unknown>;
  /** Records per heavy request; default 128. Requests of one batch run side by side. */
  heavyBatchRows?: number;
  stats?: TwoTierStats;
}

/** Zeroed counters for both tiers. */
export function twoTierStats(): TwoTierStats {
  return { fast: scoringStats(), heavy: scoringStats() };
}

function columnNames(outputs: ScoreMapping['outputs']): string[] {
  return (typeof outputs === 'string' ? parseOutputColumns(outputs) : outputs).map((c: OutputColumn) => c.name);
}

interface TierMappings {
  fast: ScoreMapping;
  heavy: ScoreMapping;
  /** The first output column: the score `threshold` applies to. */
  scoreColumn: string;
}

/** The mappings of both tiers; throws when their output columns differ. */
function tierMappings<T>(options: TwoTierOptions<T>): TierMappings {
  const fast = { inputs: options.inputs, outputs: options.outputs };
  const heavy = { inputs: options.heavyInputs ?? options.inputs, outputs: options.heavyOutputs ?? options.outputs };
  const names = columnNames(fast.outputs);
  const heavyNames = columnNames(heavy.outputs);
  if (names.length === 0) throw new UserError('twoTierScore needs at least one output column', { origin: 'two-tier-score' });
  if (names.join(',') !== heavyNames.join(',')) {
    throw new UserError(`the heavy model's output columns (${heavyNames.join(', ')}) differ from the fast model's (${names.join(', ')})`, {
      origin: 'two-tier-score', hint: 'give heavyOutputs the same column names, mapping them with `from`',
    });
  }
  return { fast, heavy, scoreColumn: names[0]! };
}

class TwoTierOperator<T extends object> implements StreamOperator<T, TwoTierScored<T>> {
  readonly name = 'two-tier-score';
  private fast: Scorer | undefined;
  private heavy: Scorer | undefined;
  private readonly owned: Scorer[] = [];
  private warnFast: (kind: string, message: string) => void = () => {};
  private warnHeavy: (kind: string, message: string) => void = () => {};
  private readonly fastMapping: ScoreMapping;
  private readonly heavyMapping: ScoreMapping;
  private readonly scoreColumn: string;
  private readonly stats: TwoTierStats;

  constructor(private readonly options: TwoTierOptions<T>, mappings: TierMappings) {
    this.fastMapping = mappings.fast;
    this.heavyMapping = mappings.heavy;
    this.scoreColumn = mappings.scoreColumn;
    this.stats = options.stats ?? twoTierStats();
  }

  open(ctx: OperatorContext): void {
    this.warnFast = warnOnce((m) => ctx.log('warn', m), `${this.name}(fast)`);
    this.warnHeavy = warnOnce((m) => ctx.log('warn', m), `${this.name}(heavy)`);
    for (const tier of ['fast', 'heavy'] as const) {
      const { scorer, owned } = openScorer(this.options[tier]);
      this[tier] = scorer;
      if (owned) this.owned.push(scorer);
    }
  }

  async processBatch(batch: Batch<T>, out: Output<TwoTierScored<T>>): Promise<void> {
    const o = this.options;
    const fast = this.fast!;
    const heavy = this.heavy!;
    const records = batch.values;
    const n = records.length;
    const stats = this.stats;
    const fastResults = await scoreRows(fast, records as unknown as Record<string, unknown>[], this.fastMapping, stats.fast, this.warnFast);
    const outputs: Record<string, unknown>[] = new Array(n);
    const by: string[] = new Array(n);
    const tier: ('fast' | 'heavy')[] = new Array(n);
    const routed: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = fastResults[i]!;
      if (r instanceof Error) {
        if (!o.fastFallback) throw r;
        outputs[i] = o.fastFallback(records[i]!, r);
        by[i] = FALLBACK_LABEL;
        stats.fast.fallback++;
      } else {
        outputs[i] = r;
        by[i] = fast.label();
        stats.fast.scored++;
      }
      const score = outputs[i]![this.scoreColumn];
      tier[i] = typeof score === 'number' && score >= o.threshold ? 'heavy' : 'fast';
      if (tier[i] === 'heavy') routed.push(i);
    }
    stats.fast.rows += n;

    // Heavy requests of one batch run side by side (the model bounds how many are in flight); a failed
    // request falls back for its own records only.
    const size = Math.max(1, o.heavyBatchRows ?? 128);
    const requests: Promise<void>[] = [];
    for (let start = 0; start < routed.length; start += size) {
      const idx = routed.slice(start, start + size);
      requests.push(this.scoreHeavy(heavy, idx, records, outputs, by));
    }
    await Promise.all(requests);
    stats.heavy.rows += routed.length;

    const values: TwoTierScored<T>[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = { ...records[i]!, ...outputs[i]!, tier: tier[i]!, scored_by: by[i]! } as TwoTierScored<T>;
    out.emitBatch({ values, timestamps: batch.timestamps, keys: batch.keys });
  }

  private async scoreHeavy(heavy: Scorer, idx: number[], records: T[], outputs: Record<string, unknown>[], by: string[]): Promise<void> {
    const o = this.options;
    const stats = this.stats.heavy;
    const results = await scoreRows(heavy, idx.map((i) => records[i] as unknown as Record<string, unknown>), this.heavyMapping, stats, this.warnHeavy);
    idx.forEach((i, j) => {
      const r = results[j]!;
      if (!(r instanceof Error)) {
        outputs[i] = r;
        by[i] = heavy.label();
        stats.scored++;
        return;
      }
      stats.fallback++;
      if (o.heavyFallback) {
        outputs[i] = o.heavyFallback(records[i]!, outputs[i]!, r);
        by[i] = FALLBACK_LABEL;
      }
      // Without a heavy fallback the fast outputs and their scored_by stay.
    });
  }

  async close(): Promise<void> {
    for (const s of this.owned.splice(0)) await s.close?.();
  }
}

/**
 * Two-tier scoring: every record is scored by a fast in-process model; only records whose fast score
 * (the first output column) is at least `threshold` are sent to a heavy model, typically a
 * `RemoteModel`; the others keep their fast score. Each record says which tier it was routed to
 * (`tier`) and what gave its outputs (`scored_by`: a model's label, or `fallback`).
 *
 * @example
 * const scored = twoTierScore(txns, {
 *   fast: await OnnxModel.load('small.onnx'),
 *   heavy: { provider: 'kserve', endpoint: 'http://127.0.0.1:8090', model: 'big', timeoutMs: 50 },
 *   inputs: FEATURES, outputs: 'score DOUBLE',
 *   heavyOutputs: [{ name: 'score', type: 'DOUBLE', from: { output: 'probabilities', index: 1 } }],
 *   threshold: 0.5,
 * });
 */
export function twoTierScore<T extends object>(stream: DataStream<T>, options: TwoTierOptions<T>): DataStream<TwoTierScored<T>> {
  const mappings = tierMappings(options);
  return stream.transform('two-tier-score', () => new TwoTierOperator<T>(options, mappings));
}
