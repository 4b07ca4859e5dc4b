import type { Batch } from '../../core/batch.js';
import type { Output, StreamOperator } from '../../operators/operator.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';

/** A row function of the planner: reads input columns by position. */
export type RowFn = (row: Row) => unknown;

/**
 * Projection and filter fused into one batch operator (Flink's Calc): one pass over the batch, no
 * intermediate arrays. `project` undefined keeps rows as they are; `filter` undefined keeps every row.
 * On a changelog stream the row kind is kept.
 */
export function calcOperator(project: RowFn[] | undefined, filter: RowFn | undefined, changelog: boolean, name = 'calc', columns?: (number | undefined)[]): StreamOperator<Row | ChangeRow, Row | ChangeRow> {
  const apply = project ? projector(project, columns) : (row: Row): Row => row;
  return {
    name,
    processBatch(batch: Batch<Row | ChangeRow>, out: Output<Row | ChangeRow>) {
      const src = batch.values;
      const ts = batch.timestamps;
      const n = src.length;
      if (!filter && project && !changelog) {
        const values = new Array<Row>(n);
        for (let i = 0; i < n; i++) values[i] = apply(src[i] as Row);
        out.emitBatch({ values, timestamps: ts });
        return;
      }
      // Arrays of the input's size, cut to what was kept: growing them by push cost more than the Calc.
      const values = new Array<Row | ChangeRow>(n);
      const timestamps = new Array<number>(n);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        const row = changelog ? (v as ChangeRow).row : (v as Row);
        if (filter && filter(row) !== true) continue;
        const projected = project ? apply(row) : row;
        values[k] = changelog ? { op: (v as ChangeRow).op, row: projected } : projected;
        timestamps[k++] = ts[i]!;
      }
      if (k === 0) return;
      values.length = k;
      timestamps.length = k;
      out.emitBatch({ values, timestamps });
    },
  };
}

/**
 * One function that builds an output row as an array literal: plain column references are read
 * inline (`row[3]`) and only computed columns call their compiled closure. Building the row in one
 * expression is markedly faster than filling an array in a loop of closure calls.
 */
export function projector(project: RowFn[], columns?: (number | undefined)[]): (row: Row) => Row {
  const parts = project.map((_f, j) => {
    const c = columns?.[j];
    return c !== undefined ? `row[${c}]` : `p[${j}](row)`;
  });
  // The generated text only holds integer indexes, never user input.
  return new Function('p', `return function project(row) { return [${parts.join(', ')}]; };`)(project) as (row: Row) => Row;
}

/** One projection/filter step of a chain of Calcs. */
export interface CalcStage {
  project?: RowFn[] | undefined;
  filter?: RowFn | undefined;
  columns?: (number | undefined)[] | undefined;
}

/**
 * The stages of a Calc chain as one function of a row: the output row, or null when a filter drops it.
 * For operators that fuse a Calc into their own loop over the rows (the watermark operator).
 */
export function calcRowStep(stages: readonly CalcStage[]): (row: Row) => Row | null {
  const steps = stages.map((st) => ({ filter: st.filter, apply: st.project ? projector(st.project, st.columns) : undefined }));
  if (steps.length === 1) {
    const { filter, apply } = steps[0]!;
    if (filter && apply) return (row) => (filter(row) === true ? apply(row) : null);
    if (filter) return (row) => (filter(row) === true ? row : null);
    if (apply) return apply;
  }
  return (row) => {
    let r = row;
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k]!;
      if (st.filter && st.filter(r) !== true) return null;
      if (st.apply) r = st.apply(r);
    }
    return r;
  };
}

/**
 * Several Calcs in a row (a view's projection under a query's, a subquery's filter) fused into one
 * operator: each row goes through every stage in one loop, without a batch between stages.
 */
export function calcChainOperator(stages: CalcStage[], changelog: boolean, name = 'calc'): StreamOperator<Row | ChangeRow, Row | ChangeRow> {
  if (stages.length === 1) return calcOperator(stages[0]!.project, stages[0]!.filter, changelog, name, stages[0]!.columns);
  const steps = stages.map((st) => ({ filter: st.filter, apply: st.project ? projector(st.project, st.columns) : undefined }));
  const n = steps.length;
  return {
    name,
    processBatch(batch: Batch<Row | ChangeRow>, out: Output<Row | ChangeRow>) {
      const src = batch.values;
      const ts = batch.timestamps;
      const values = new Array<Row | ChangeRow>(src.length);
      const timestamps = new Array<number>(src.length);
      let kept = 0;
      rows: for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        let row = changelog ? (v as ChangeRow).row : (v as Row);
        for (let k = 0; k < n; k++) {
          const st = steps[k]!;
          if (st.filter && st.filter(row) !== true) continue rows;
          if (st.apply) row = st.apply(row);
        }
        values[kept] = changelog ? { op: (v as ChangeRow).op, row } : row;
        timestamps[kept++] = ts[i]!;
      }
      if (kept === 0) return;
      values.length = kept;
      timestamps.length = kept;
      out.emitBatch({ values, timestamps });
    },
  };
}

/** Wraps insert-only rows as `+I` change rows, where an append-only input meets an updating one. */
export function toChangelogOperator(): StreamOperator<Row, ChangeRow> {
  return {
    name: 'to-changelog',
    processBatch(batch, out) {
      out.emitBatch({ values: batch.values.map((row) => ({ op: '+I' as const, row })), timestamps: batch.timestamps });
    },
  };
}
