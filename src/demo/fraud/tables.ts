import type { ChangeRow, Row, TableConnector } from '../../connectors/registry.js';
import { FraudGenerator } from '../../fraud/generator.js';
import type { FraudGeneratorConfig } from '../../fraud/generator.js';
import { fromGenerator } from '../../runtime/source.js';
import type { Sink } from '../../runtime/sink.js';
import type { Batch } from '../../core/batch.js';

/**
 * The generator settings of the demo and of the training data. Few cards at a low event-time rate
 * give every card a history (about one purchase per card every two minutes), so per-card features
 * mean something; training and demo must use the same settings or the model sees other data.
 */
export const DEMO_GENERATOR: Readonly<Partial<FraudGeneratorConfig>> = {
  cards: 1000,
  eventsPerSecond: 10,
  fraudRate: 0.01,
};

/** Column order of the `transactions` table in pipeline.sql. */
export const TRANSACTION_COLUMNS = ['txn_id', 'card_id', 'amount', 'country', 'mcc', 'ts', 'ingest_ms'] as const;

/** Event number of a generated transaction id (`txn-<n>`). */
export function eventNumber(txnId: string): number {
  return Number(txnId.slice(4));
}

/**
 * A table connector reading `count` generated transactions as rows of the `transactions` table.
 * `onEvents` is called as events are generated (for progress); `ratePerSecond` throttles in wall-clock time.
 */
export function generatorConnector(gen: FraudGenerator, count: number, options: { ratePerSecond?: number; onEvents?: (n: number) => void } = {}): TableConnector {
  return {
    name: 'fraud-generator',
    schema: { options: [] },
    isBounded: () => Number.isFinite(count),
    createSource: () => {
      const onEvents = options.onEvents;
      return fromGenerator<Row>(count, (n) => {
        const t = gen.event(n);
        onEvents?.(1);
        return [t.txn_id, t.card_id, t.amount, t.country, t.mcc, t.ts, Date.now()];
      }, {
        name: 'fraud-transactions',
        timestamp: (n) => gen.timestamp(n),
        ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond } : {}),
      });
    },
  };
}

/** Column order of the `fraud_alerts` table in pipeline.sql. */
export const ALERT_COLUMNS = ['txn_id', 'card_id', 'amount', 'ts', 'score', 'scored_by', 'ingest_ms'] as const;

/**
 * A table connector whose sink hands every written batch of rows to `onRows` (in this thread) and,
 * with `also`, writes them to that sink too (e.g. a topic of the embedded log).
 */
export function callbackSinkConnector(onRows: (rows: Row[]) => void, also?: Sink<Row>): TableConnector {
  return {
    name: 'callback',
    schema: { options: [] },
    createSink: (ctx) => ({
      name: `callback:${ctx.table}`,
      createWriter: (wctx) => {
        const inner = also?.createWriter(wctx);
        return {
          async write(batch: Batch<Row | ChangeRow>) {
            const rows = batch.values.map((v) => (Array.isArray(v) ? v : (v as ChangeRow).row));
            onRows(rows);
            await inner?.write({ values: rows, timestamps: batch.timestamps });
          },
          finish: async () => { await inner?.finish?.(); },
          close: async () => { await inner?.close?.(); },
        };
      },
    }),
  };
}

/** An alert row as the JSON record written to the `fraud_alerts` topic. */
export function alertRecord(row: Row): Record<string, unknown> {
  return Object.fromEntries(ALERT_COLUMNS.map((c, i) => [c, row[i]]));
}
