import type { TableConnector } from '../schema.js';

/** Flink's `blackhole` sink: accepts and discards every row (for benchmarks). */
export const blackholeConnector: TableConnector = {
  name: 'blackhole',
  schema: { options: [] },
  createSink: (ctx) => ({ name: `blackhole:${ctx.table}`, createWriter: () => ({ write() {} }) }),
};
