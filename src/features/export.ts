import { UserError } from '../core/errors.js';
import { csvLine } from './csv.js';
import type { FeatureHistory } from './feature-history.js';
import type { FeatureRow } from './feature-row.js';

/** A labelled example: the entity, its label, and the time the label refers to (epoch ms). */
export interface LabelRow {
  key: string;
  label: string | number | boolean;
  time: number;
}

export interface ExportOptions {
  labels: readonly LabelRow[];
  features: FeatureHistory;
  format: 'csv';
  /** Feature columns, in order; default every feature name found, sorted. */
  featureNames?: readonly string[];
  /** Queries per history call (default 1000). */
  batchSize?: number;
}

export interface ExportResult {
  /** The training set: `key,time,label,feature_time,<features…>`, one line per label in input order. */
  text: string;
  rows: number;
  /** Labels for which the history held features at their time. */
  matched: number;
  featureNames: string[];
}

/**
 * Builds point-in-time correct training data: each label is joined with the features of its entity as
 * they were at the label's time (the newest write with event time <= label time), never with later
 * values, so the model is not trained on information from the future. Labels with no features at that
 * time keep empty feature columns and an empty `feature_time`.
 *
 * @example
 * const history = new RedisFeatureHistory({ url, namespace: 'card' });
 * const { text } = await exportTrainingData({ labels, features: history, format: 'csv' });
 */
export async function exportTrainingData(options: ExportOptions): Promise<ExportResult> {
  if (options.format !== 'csv') {
    throw new UserError(`export format "${String(options.format)}" is not supported`, { hint: 'use format: "csv"' });
  }
  const labels = options.labels;
  labels.forEach((l, i) => {
    if (typeof l.key !== 'string' || l.key === '') throw new UserError(`label ${i + 1}: key is empty`);
    if (!Number.isFinite(l.time)) throw new UserError(`label ${i + 1} (key "${l.key}"): time is not a number of epoch ms`);
  });
  const batch = options.batchSize ?? 1000;
  const rows: (FeatureRow | null)[] = [];
  for (let start = 0; start < labels.length; start += batch) {
    const chunk = labels.slice(start, start + batch);
    rows.push(...(await options.features.asOf(chunk.map((l) => ({ key: l.key, time: l.time })))));
  }
  let names: string[];
  if (options.featureNames) names = [...options.featureNames];
  else {
    const seen = new Set<string>();
    for (const r of rows) if (r) for (const n of Object.keys(r.values)) seen.add(n);
    names = [...seen].sort();
  }
  const parts: string[] = [csvLine(['key', 'time', 'label', 'feature_time', ...names])];
  let matched = 0;
  labels.forEach((l, i) => {
    const r = rows[i] ?? null;
    if (r) matched++;
    parts.push(csvLine([l.key, l.time, l.label, r?.time ?? null, ...names.map((n) => r?.values[n] ?? null)]));
  });
  return { text: parts.join(''), rows: labels.length, matched, featureNames: names };
}
