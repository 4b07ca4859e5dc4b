import type { Sink } from '../../runtime/sink.js';
import { checks } from '../options.js';
import type { ChangeRow, Row, SinkContext, TableConnector } from '../schema.js';
import { formatValue } from '../../sql/types/values.js';

/** Where the print connector writes; the CLI points it at its own stdout. */
export const printTarget: { write: (line: string) => void } = {
  write: (line) => process.stdout.write(line + '\n'),
};

/** Flink's `print` sink: `+I[1, bob]` per row, prefixed `id:task> ` / `task> ` as Flink does. */
export function printTableSink(ctx: SinkContext): Sink<Row | ChangeRow> {
  const id = ctx.options.get('print-identifier');
  const types = ctx.columns.map((c) => c.type);
  return {
    name: `print:${ctx.table}`,
    createWriter({ subtaskIndex, parallelism }) {
      const task = parallelism > 1 ? `${subtaskIndex + 1}` : '';
      const prefix = id !== undefined ? (task ? `${id}:${task}> ` : `${id}> `) : task ? `${task}> ` : '';
      return {
        write(batch) {
          for (const v of batch.values) {
            const op = ctx.changelog ? (v as ChangeRow).op : '+I';
            const row = ctx.changelog ? (v as ChangeRow).row : (v as Row);
            printTarget.write(`${prefix}${op}[${row.map((x, i) => formatValue(x, types[i]!)).join(', ')}]`);
          }
        },
      };
    },
  };
}

export const printConnector: TableConnector = {
  name: 'print',
  schema: {
    options: [
      { key: 'print-identifier', description: 'a prefix for every printed line' },
      { key: 'standard-error', default: 'false', description: 'accepted for compatibility; weir prints to standard output', check: checks.boolean },
      { key: 'sink.parallelism', description: 'parallelism of the sink', check: checks.nonNegativeInt },
    ],
  },
  createSink: printTableSink,
};
