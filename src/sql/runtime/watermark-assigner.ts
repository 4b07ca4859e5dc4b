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
  const emitRun = (out: Output<Row>, rows: Row[], timestamps: number[], from: number, to: number): void => {
    if (to > from) out.emitBatch(from === 0 && to === rows.length ? { values: rows, timestamps } : { values: rows.slice(from, to), timestamps: timestamps.slice(from, to) });
  };
  const fused = (batch: Batch<Row>, out: Output<Row>, step: (row: Row) => Row | null): void => {
    const rows = batch.values;
    const n = rows.length;
    // Output arrays of the input's size, cut to what was kept: no growing by push.
    let values = new Array<Row>(n);
    let timestamps = new Array<number>(n);
    let k = 0;
    const flush = (rest: number): void => {
      if (k === 0) return;
      values.length = k;
      timestamps.length = k;
      out.emitBatch({ values, timestamps });
      values = new Array<Row>(rest);
      timestamps = new Array<number>(rest);
      k = 0;
    };
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const t = row[rowtimeIndex];
      if (t === null || t === undefined) nullRowtime();
      let late = true;
      if (shape === 'lagging') {
        if ((t as number) > maxTime) {
          maxTime = t as number;
          maxRow = row;
          late = false;
        } else if (maxRow !== null) {
          raise(maxRow);
          maxRow = null;
        }
      }
      if (late && (t as number) <= pending && pending > emitted) {
        flush(n - i);
        emitted = pending;
        out.emitWatermark(pending);
      }
      if (shape === 'monotone') {
        if ((t as number) > maxTime) {
          maxTime = t as number;
          raise(row);
        }
      } else if (shape === undefined) raise(row);
      const r = step(row);
      if (r === null) continue;
      values[k] = r;
      timestamps[k++] = t as number;
    }
    if (maxRow !== null) {
      raise(maxRow);
      maxRow = null;
    }
    flush(0);
    if (pending > emitted) {
      emitted = pending;
      out.emitWatermark(pending);
    }
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
      if (shape === 'lagging') {
        for (let i = 0; i < n; i++) {
          const row = rows[i]!;
          const t = row[rowtimeIndex];
          if (t === null || t === undefined) nullRowtime();
          timestamps[i] = t as number;
          // A new highest rowtime is above every watermark so far: not late. Its own watermark can
          // wait until a row that might be late comes, or the batch ends.
          if ((t as number) > maxTime) {
            maxTime = t as number;
            maxRow = row;
            continue;
          }
          if (maxRow !== null) {
            raise(maxRow);
            maxRow = null;
          }
          if ((t as number) <= pending && pending > emitted) {
            emitRun(out, rows, timestamps, from, i);
            from = i;
            emitted = pending;
            out.emitWatermark(pending);
          }
        }
        if (maxRow !== null) {
          raise(maxRow);
          maxRow = null;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const row = rows[i]!;
          const t = row[rowtimeIndex];
          if (t === null || t === undefined) nullRowtime();
          // A watermark only changes the outcome for a later row at or below it (a late row), so it is
          // held back until such a row comes or the batch ends: same result, far fewer tiny batches.
          if ((t as number) <= pending && pending > emitted) {
            emitRun(out, rows, timestamps, from, i);
            from = i;
            emitted = pending;
            out.emitWatermark(pending);
          }
          timestamps[i] = t as number;
          if (shape === 'monotone') {
            // Only a new highest rowtime can raise the watermark: skipping the others saves evaluating
            // the expression (and boxing its result) for most rows.
            if ((t as number) <= maxTime) continue;
            maxTime = t as number;
          }
          raise(row);
        }
      }
      emitRun(out, rows, timestamps, from, n);
      if (pending > emitted) {
        emitted = pending;
        out.emitWatermark(pending);
      }
    },
  };
}
