import type { Batch } from '../../core/batch.js';
import { MIN_WATERMARK } from '../../core/time.js';
import { UserError } from '../../core/errors.js';
import type { Output, StreamOperator } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import type { RowFn } from './calc.js';

/**
 * Sets each row's event time from its rowtime column and emits the watermark of the table's
 * `WATERMARK FOR` expression (the highest value seen). A watermark goes out right after the row that
 * advanced it, as Flink does with `pipeline.auto-watermark-interval = 0`, so which rows count as late
 * does not depend on how rows were batched (the watermark is held back inside a batch until a row at
 * or below it arrives, which gives the same answer with fewer batches). `monotone` says the watermark
 * expression never decreases as the rowtime grows (`rowtime - INTERVAL …`), so it is evaluated only on
 * rows that raise the highest rowtime seen.
 */
export function watermarkAssigner(table: string, rowtimeIndex: number, rowtimeColumn: string, watermark: RowFn, monotone = false): StreamOperator<Row, Row> {
  let pending = MIN_WATERMARK;
  let emitted = MIN_WATERMARK;
  let maxTime = Number.NEGATIVE_INFINITY;
  return {
    name: `watermark(${table})`,
    generatesWatermarks: true,
    processBatch(batch: Batch<Row>, out: Output<Row>) {
      const rows = batch.values;
      const n = rows.length;
      const timestamps = new Array<number>(n);
      // Rows go on in runs between watermarks: usually the whole batch as one, without copying it.
      let from = 0;
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        const t = row[rowtimeIndex];
        if (t === null || t === undefined) {
          throw new UserError(`table "${table}": rowtime column '${rowtimeColumn}' is NULL in a row`, {
            origin: `watermark(${table})`, hint: 'a rowtime attribute must not be NULL; filter such rows out or fill the column',
          });
        }
        // A watermark only changes the outcome for a later row at or below it (a late row), so it is
        // held back until such a row comes or the batch ends: same result, far fewer tiny batches.
        if ((t as number) <= pending && pending > emitted) {
          if (i > from) out.emitBatch({ values: rows.slice(from, i), timestamps: timestamps.slice(from, i) });
          from = i;
          emitted = pending;
          out.emitWatermark(pending);
        }
        timestamps[i] = t as number;
        if (monotone) {
          // The watermark grows with the rowtime: only a new highest rowtime can raise it. Skipping the
          // others saves evaluating the expression (and boxing its result) for most rows.
          if ((t as number) <= maxTime) continue;
          maxTime = t as number;
        }
        const wm = watermark(row);
        if (typeof wm === 'number' && wm > pending) pending = wm;
      }
      if (n > from) out.emitBatch(from === 0 ? { values: rows, timestamps } : { values: rows.slice(from), timestamps: timestamps.slice(from) });
      if (pending > emitted) {
        emitted = pending;
        out.emitWatermark(pending);
      }
    },
  };
}
