import { addMetricsSource, escapeLabelValue } from '../runtime/metrics.js';

/**
 * Which path a row took through a model: the production version, the A/B candidate, the shadow
 * version (scored for comparison only) or the fallback (the model could not score it).
 */
export type ScoringVariant = 'prod' | 'ab' | 'shadow' | 'fallback';

/** Why rows were not scored by the model: counted in `weir_model_errors_total{kind}`. */
export type ScoringErrorKind = 'model' | 'bad_row' | 'load' | 'timeout' | 'shadow_log' | 'fallback_expr';

/** Upper bounds of the batch latency histogram, in seconds (0.1 ms to 5 s). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

type Labels = Record<string, string>;

const ROWS = new Map<string, [Labels, number]>();
const ERRORS = new Map<string, [Labels, number]>();
const SWAPS = new Map<string, [Labels, number]>();
const LATENCY = new Map<string, [Labels, Histogram]>();
let unregister: (() => void) | undefined;

// Label values joined by a byte no name contains: cheaper than JSON on every batch.
function keyOf(labels: Labels): string {
  let k = '';
  for (const v of Object.values(labels)) k += `${v}\u0001`;
  return k;
}

function add(map: Map<string, [Labels, number]>, labels: Labels, n: number): void {
  // The first counter registers the page section, so a process that never scores shows no model metrics.
  unregister ??= addMetricsSource(modelMetricsText);
  const k = keyOf(labels);
  const e = map.get(k);
  if (e) e[1] += n;
  else map.set(k, [labels, n]);
}

/**
 * Process-wide model scoring metrics, labelled by `model` (the name the job gives the model),
 * `version` and `variant`; they appear on the Prometheus page of every job in this process
 * (`weir run --metrics-port`). Jobs on worker threads keep their own copies.
 */
export const modelMetrics = {
  /** Rows that took `variant` (for `fallback`, `version` is the version that could not score them, or `none`). */
  rows(model: string, version: string, variant: ScoringVariant, n: number): void {
    if (n > 0) add(ROWS, { model, version, variant }, n);
  },
  /** Failures: `n` rows (`bad_row`, `fallback_expr`) or batches (the other kinds). */
  error(model: string, version: string, variant: ScoringVariant, kind: ScoringErrorKind, n = 1): void {
    if (n > 0) add(ERRORS, { model, version, variant, kind }, n);
  },
  /** A hot swap of the version on a path. */
  swap(model: string, version: string, variant: ScoringVariant): void {
    add(SWAPS, { model, version, variant }, 1);
  },
  /** How long one model call on a batch took. */
  batch(model: string, version: string, variant: ScoringVariant, seconds: number): void {
    unregister ??= addMetricsSource(modelMetricsText);
    const labels = { model, version, variant };
    const k = keyOf(labels);
    let e = LATENCY.get(k);
    if (!e) {
      e = [labels, { counts: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 }];
      LATENCY.set(k, e);
    }
    const h = e[1];
    const i = LATENCY_BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  },
  /** The value of a counter (tests): sums every series whose labels include `labels`. */
  value(name: 'rows' | 'errors' | 'swaps', labels: Partial<Labels>): number {
    const map = name === 'rows' ? ROWS : name === 'errors' ? ERRORS : SWAPS;
    let sum = 0;
    for (const [l, v] of map.values()) if (Object.entries(labels).every(([k, x]) => l[k] === x)) sum += v;
    return sum;
  },
  /** Forgets everything (tests, and a demo that runs twice in one process). */
  reset(): void {
    ROWS.clear();
    ERRORS.clear();
    SWAPS.clear();
    LATENCY.clear();
  },
};

const labelText = (labels: Labels): string => Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');

/** The model metrics in Prometheus' text format (empty when nothing was scored). */
export function modelMetricsText(): string {
  const lines: string[] = [];
  const counter = (name: string, help: string, map: Map<string, [Labels, number]>): void => {
    if (map.size === 0) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [labels, v] of map.values()) lines.push(`${name}{${labelText(labels)}} ${v}`);
  };
  counter('weir_model_rows_total', 'Rows scored per model, version and variant (prod, ab, shadow, fallback).', ROWS);
  counter('weir_model_errors_total', 'Model failures by kind: model, bad_row, load, timeout, shadow_log, fallback_expr.', ERRORS);
  counter('weir_model_swaps_total', 'Versions swapped in while the job ran (promotion, A/B or shadow change).', SWAPS);
  if (LATENCY.size > 0) {
    const name = 'weir_model_batch_duration_seconds';
    lines.push(`# HELP ${name} Time of one model call on a batch.`, `# TYPE ${name} histogram`);
    for (const [labels, h] of LATENCY.values()) {
      const l = labelText(labels);
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((b, i) => {
        cumulative += h.counts[i]!;
        lines.push(`${name}_bucket{${l},le="${b}"} ${cumulative}`);
      });
      lines.push(`${name}_bucket{${l},le="+Inf"} ${h.count}`, `${name}_sum{${l}} ${h.sum}`, `${name}_count{${l}} ${h.count}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
