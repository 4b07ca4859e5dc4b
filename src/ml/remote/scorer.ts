import { errorMessage } from '../../core/errors.js';
import type { OnnxModel, ScoreMapping } from '../onnx-model.js';
import type { MlPredictCounters } from '../predict-operator.js';
import { isTimeout } from '../scoring-group.js';
import { RemoteModel } from './remote-model.js';
import type { RemoteModelOptions } from './remote-model.js';

/** Anything that scores rows: a `RemoteModel`, or an in-process model wrapped by {@link asScorer}. */
export interface Scorer {
  /** What `scored_by` says for rows this scorer scored. */
  label(): string;
  scoreSettled: OnnxModel['scoreSettled'];
  close?(): Promise<void>;
}

/**
 * Counters of a scoring step, the ones ML_PREDICT keeps: a row is counted once in `scored` or
 * `fallback`; `badRows` (rows), `modelErrors` and `timeouts` (calls) say why the fallback was used.
 */
export type ScoringStats = Pick<MlPredictCounters, 'rows' | 'scored' | 'fallback' | 'badRows' | 'modelErrors' | 'timeouts'>;

/** Zeroed counters. */
export function scoringStats(): ScoringStats {
  return { rows: 0, scored: 0, fallback: 0, badRows: 0, modelErrors: 0, timeouts: 0 };
}

/** An `OnnxModel` as a {@link Scorer} (`scored_by` = `model:<file name>`); a scorer is returned as it is. */
export function asScorer(model: OnnxModel | Scorer): Scorer {
  if ('label' in model && typeof model.label === 'function') return model;
  const m = model as OnnxModel;
  const label = `model:${m.name}`;
  return { label: () => label, scoreSettled: (rows, mapping) => m.scoreSettled(rows, mapping), close: () => m.close() };
}

/** A model given as an open scorer, or as options to open a `RemoteModel` with (then closed with the operator). */
export type ScorerSource = OnnxModel | Scorer | RemoteModelOptions;

/**
 * The scorer a source names; `owned` says whether the caller must close it. Remote model options give a
 * scorer that opens the model on first use and, while it cannot (server down, model missing), fails
 * each call, so the caller's fallback scores the rows, and tries again after `reopenAfterMs`.
 */
export function openScorer(source: ScorerSource, reopenAfterMs = 5000): { scorer: Scorer; owned: boolean } {
  if (!('provider' in source && 'endpoint' in source)) return { scorer: asScorer(source as OnnxModel | Scorer), owned: false };
  let model: RemoteModel | undefined;
  let opening: Promise<RemoteModel> | undefined;
  let failedAt = -Infinity;
  let lastError: unknown;
  const label = RemoteModel.labelOf(source);
  const current = async (): Promise<RemoteModel> => {
    if (model) return model;
    if (!opening && Date.now() - failedAt < reopenAfterMs) throw lastError;
    opening ??= RemoteModel.open(source);
    try {
      model = await opening;
      return model;
    } catch (err) {
      failedAt = Date.now();
      lastError = err;
      throw err;
    } finally {
      opening = undefined;
    }
  };
  const scorer: Scorer = {
    label: () => label,
    scoreSettled: async (rows, mapping) => (await current()).scoreSettled(rows, mapping),
    close: async () => { await model?.close(); },
  };
  return { scorer, owned: true };
}

/**
 * Scores rows and gives each its output record, or the error that kept it from being scored: the row's
 * own `UserError` (a bad input), or the call's error for every row when the model failed or timed out.
 * Counts `badRows`, `modelErrors` and `timeouts`; the caller counts `scored` and `fallback`.
 */
export async function scoreRows(
  scorer: Scorer,
  rows: readonly Record<string, unknown>[],
  mapping: ScoreMapping,
  stats: ScoringStats,
  warn: (kind: string, message: string) => void,
): Promise<(Record<string, unknown> | Error)[]> {
  if (rows.length === 0) return [];
  try {
    const settled = await scorer.scoreSettled(rows, mapping);
    return settled.map((r) => {
      if (r.ok) return r.output;
      stats.badRows++;
      warn('bad-row', `a row was not scored by ${scorer.label()}: ${r.error.message}`);
      return r.error;
    });
  } catch (err) {
    // isTimeout, not instanceof: every error marked as a timeout (ours or a scorer's) counts alike.
    const timedOut = isTimeout(err);
    if (timedOut) stats.timeouts++;
    else stats.modelErrors++;
    warn(timedOut ? 'timeout' : 'model-error', `${scorer.label()} failed on ${rows.length} rows: ${errorMessage(err)}`);
    const e = err instanceof Error ? err : new Error(String(err));
    return rows.map(() => e);
  }
}

/** Logs each kind of failure once, so a dead model server does not flood the log. */
export function warnOnce(log: (message: string) => void, name: string): (kind: string, message: string) => void {
  const seen = new Set<string>();
  return (kind, message) => {
    if (seen.has(kind)) return;
    seen.add(kind);
    log(`${name}: ${message} (further ${kind} messages suppressed; see the stats)`);
  };
}
