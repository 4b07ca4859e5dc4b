import type { Batch } from '../../core/batch.js';
import { MIN_WATERMARK } from '../../core/time.js';
import { UserError } from '../../core/errors.js';
import type { Output, StreamOperator } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import type { RowFn } from './calc.js';

/**
 * What the planner knows of a `WATERMARK FOR` expression. `monotone`: it never decreases as the rowtime
 * grows (`rowtime ± INTERVAL …`), so only rows that raise the highest rowtime can raise it. `lagging`:
 * monotone and never above the rowtime (`rowtime`, `rowtime - INTERVAL …`), so a row that raises the
 * highest rowtime is never late, and the expression need only be evaluated when a later row might be.
 */
export type WatermarkShape = 'monotone' | 'lagging';

/**
 * Sets each row's event time from its rowtime column and emits the watermark of the table's
 * `WATERMARK FOR` expression (the highest value seen). A watermark goes out right after the row that
 * advanced it, as Flink does with `pipeline.auto-watermark-interval = 0`, so which rows count as late
 * does not depend on how rows were batched (the watermark is held back inside a batch until a row at
 * or below it arrives, which gives the same answer with fewer batches). `shape` lets it evaluate the
 * expression on fewer rows with the same result. With `ownsTimestamps` the event times are written into
 * the incoming batch's `timestamps` array instead of a new one, as the DataStream source loop does:
 * only for batches no other operator sees (the planner's own source for one scan).
 *
 * With `step` (a Calc fused into this operator, see `calcRowStep`) each row goes through the Calc in the
 * same loop, while it is in cache, and only the rows it keeps go on, in their new form. The watermarks
 * are those of all rows, dropped ones included, between the same rows as without fusion.
 */
export function watermarkAssigner(
  table: string, rowtimeIndex: number, rowtimeColumn: string, watermark: RowFn, shape?: WatermarkShape, ownsTimestamps = false,
  step?: (row: Row) => Row | null,
): StreamOperator<Row, Row> {
  let pending = MIN_WATERMARK;
  let emitted = MIN_WATERMARK;
  let maxTime = Number.NEGATIVE_INFINITY;
  // Lagging shape: the row with the highest rowtime, whose watermark is not yet in `pending`.
  let maxRow: Row | null = null;
  const nullRowtime = (): never => {
    throw new UserError(`table "${table}": rowtime column '${rowtimeColumn}' is NULL in a row`, {
      origin: `watermark(${table})`, hint: 'a rowtime attribute must not be NULL; filter such rows out or fill the column',
    });
  };
  const raise = (row: Row): void => {
    const wm = watermark(row);
    if (typeof wm === 'number' && wm > pending) pending = wm;
  };
  const rowtime = (row: Row): number => {
    const t = row[rowtimeIndex];
    if (t === null || t === undefined) nullRowtime();
    return t as number;
  };
  /**
   * Takes one row's rowtime `t` into the watermark. When the pending watermark must go out before the
   * row (the row is at or below it), `before` first hands on the rows that came before it.
   */
  const admit = (row: Row, t: number, out: Output<Row>, before: () => void): void => {
    if (shape === 'lagging') {
      // A new highest rowtime is above every watermark so far: not late. Its own watermark can wait
      // until a row that might be late comes, or the batch ends.
      if (t > maxTime) {
        maxTime = t;
        maxRow = row;
        return;
      }
      if (maxRow !== null) {
        raise(maxRow);
        maxRow = null;
      }
    }
    // A watermark only changes the outcome for a later row at or below it (a late row), so it is held
    // back until such a row comes or the batch ends: same result, far fewer tiny batches.
    if (t <= pending && pending > emitted) {
      before();
      emitted = pending;
      out.emitWatermark(pending);
    }
    if (shape === 'lagging') return;
    if (shape === 'monotone') {
      // Only a new highest rowtime can raise the watermark: skipping the others saves evaluating the
      // expression (and boxing its result) for most rows.
      if (t <= maxTime) return;
      maxTime = t;
    }
    raise(row);
  };
  /** After a batch's rows are handed on: its watermark goes out. */
  const endBatch = (out: Output<Row>): void => {
    if (maxRow !== null) {
      raise(maxRow);
      maxRow = null;
    }
    if (pending > emitted) {
      emitted = pending;
      out.emitWatermark(pending);
    }
  };
  const fused = (batch: Batch<Row>, out: Output<Row>, step: (row: Row) => Row | null): void => {
    const rows = batch.values;
    const n = rows.length;
    // Output arrays of the input's size, cut to what was kept: no growing by push.
    let values = new Array<Row>(n);
    let timestamps = new Array<number>(n);
    let k = 0;
    let i = 0;
    const flush = (rest: number): void => {
      if (k === 0) return;
      values.length = k;
      timestamps.length = k;
      out.emitBatch({ values, timestamps });
      values = new Array<Row>(rest);
      timestamps = new Array<number>(rest);
      k = 0;
    };
    const before = (): void => flush(n - i);
    for (; i < n; i++) {
      const row = rows[i]!;
      const t = rowtime(row);
      admit(row, t, out, before);
      const r = step(row);
      if (r === null) continue;
      values[k] = r;
      timestamps[k++] = t;
    }
    flush(0);
    endBatch(out);
  };
  return {
    name: `watermark(${table})${step ? '+calc' : ''}`,
    generatesWatermarks: true,
    processBatch(batch: Batch<Row>, out: Output<Row>) {
      if (step) {
        fused(batch, out, step);
        return;
      }
      const rows = batch.values;
      const n = rows.length;
      const timestamps = ownsTimestamps && batch.timestamps.length === n ? batch.timestamps : new Array<number>(n);
      // Rows go on in runs between watermarks: usually the whole batch as one, without copying it.
      let from = 0;
      let i = 0;
      const emitRun = (to: number): void => {
        if (to > from) out.emitBatch(from === 0 && to === n ? { values: rows, timestamps } : { values: rows.slice(from, to), timestamps: timestamps.slice(from, to) });
        from = to;
      };
      const before = (): void => emitRun(i);
      for (; i < n; i++) {
        const row = rows[i]!;
        const t = rowtime(row);
        timestamps[i] = t;
        admit(row, t, out, before);
      }
      emitRun(n);
      endBatch(out);
    },
  };
}
