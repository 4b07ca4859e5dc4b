import { type Key, hashKey } from '../core/keys.js';
import { withTimeout as withDeadline } from '../core/timeout.js';
import type { ScoredColumns, ScoredRow } from './onnx-model.js';

/** The path of a model call: production, the B side of an A/B test, or the shadow. */
export type ScoringPath = 'prod' | 'ab' | 'shadow';

/**
 * One model call over some rows of a batch, settled: `results` when the call returned (one per row,
 * each ok or a bad row, or column by column for positional rows), `error` when it threw or `timedOut`.
 */
export interface ScoringGroup<R extends ScoredRow[] | ScoredColumns = ScoredRow[]> {
  variant: ScoringPath;
  /** The version as a metric label: `3` for a registry model, the file name for a file. */
  version: string;
  /** What `scored_by` says for rows this call scored: `model:v3`, `model:fraud.onnx`. */
  label: string;
  /** Indexes of the rows of the batch this call scored. */
  rows: number[];
  results?: R;
  error?: unknown;
  timedOut: boolean;
  /** Wall time of the call. */
  seconds: number;
}

/** The indexes `0..n-1`, as the `rows` of a group that scores a whole batch. */
export function allRows(n: number): number[] {
  // A plain loop: Array.from with a map function costs several times more per element.
  const rows = new Array<number>(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** A model call that took longer than its time limit. */
export class ScoringTimeout extends Error {}

/** `p`, or a rejection with {@link ScoringTimeout} after `ms` (no limit when undefined). */
export function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  return withDeadline(p, ms, () => new ScoringTimeout(`no result within ${ms} ms`));
}

/**
 * Whether a model call failed by running out of time: our own {@link ScoringTimeout}, or an error a
 * scorer marks with `timedOut: true` (a remote model's request timeout), so both count as timeouts.
 */
export function isTimeout(error: unknown): boolean {
  return error instanceof ScoringTimeout || (typeof error === 'object' && error !== null && (error as { timedOut?: unknown }).timedOut === true);
}

/** Runs one model call and settles it into a {@link ScoringGroup}; never rejects. */
export async function runGroup<R extends ScoredRow[] | ScoredColumns>(
  group: Pick<ScoringGroup, 'variant' | 'version' | 'label' | 'rows'>, call: () => Promise<R>, timeoutMs: number | undefined,
): Promise<ScoringGroup<R>> {
  const t0 = performance.now();
  const { variant, version, label, rows } = group;
  // Fields listed rather than spread: this runs once per batch, and a spread costs more than the rest of it.
  try {
    const results = await withTimeout(call(), timeoutMs);
    return { variant, version, label, rows, results, timedOut: false, seconds: (performance.now() - t0) / 1000 };
  } catch (error) {
    return { variant, version, label, rows, error, timedOut: isTimeout(error), seconds: (performance.now() - t0) / 1000 };
  }
}

/**
 * Where a key falls in [0, 1) for A/B routing: its `hashKey` (the hash that places keys on
 * subtasks, equal in every process and across restarts) scaled to the unit interval. A key goes to
 * the B side when its bucket is below the share, so raising the share only moves keys from A to B.
 */
export function abBucket(key: Key): number {
  return hashKey(key) / 0x1_0000_0000;
}
