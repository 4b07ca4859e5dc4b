import type { ChangeRow, Row, TableConnector } from '../../connectors/registry.js';
import { FraudGenerator } from '../../fraud/generator.js';
import type { FraudGeneratorConfig } from '../../fraud/generator.js';
import { fromGenerator } from '../../runtime/source.js';
import type { Sink, SinkWriter } from '../../runtime/sink.js';
import type { Source, SourceReader } from '../../runtime/source.js';
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

/**
 * Generated transaction `n` as the JSON value written to topic `transactions` (the columns of
 * {@link TRANSACTION_COLUMNS}), with `ingest_ms` the wall-clock time it is written.
 */
export function transactionRecord(gen: FraudGenerator, n: number, ingestMs: number): { key: string; value: string } {
  const t = gen.event(n);
  return {
    key: t.card_id,
    // The record keeps its append time: event time is the `ts` field (the table's watermark column).
    value: JSON.stringify({ txn_id: t.txn_id, card_id: t.card_id, amount: t.amount, country: t.country, mcc: t.mcc, ts: t.ts, ingest_ms: ingestMs }),
  };
}

/**
 * The source of `inner` (an unbounded table connector, such as a log topic being written to) made to end
 * once its readers together have read `count` rows, so the job ends, and flushes its event-time
 * operators, when the demo has read everything it wrote. The count is shared by all parallel readers:
 * once it is reached no reader has anything left to read.
 */
export function firstRowsConnector(inner: TableConnector, count: number): TableConnector {
  return {
    ...inner,
    isBounded: () => true,
    createSource: (ctx) => {
      const source: Source<Row> = inner.createSource!(ctx);
      let read = 0;
      return {
        name: source.name,
        bounded: true,
        createReader(rctx): SourceReader<Row> {
          const reader = source.createReader(rctx);
          return {
            ...bindAll(reader, ['open', 'splits', 'snapshotPosition', 'restorePosition', 'close']),
            async poll(max) {
              if (read >= count) return null;
              const got = await reader.poll(max);
              if (got === null) return null;
              read += got.batch.values.length;
              return got;
            },
          };
        },
      };
    },
  };
}

/**
 * The sink of `inner` (e.g. a log topic), which also hands every batch of rows to `onRows` once `inner`
 * has written it, so the demo sees each alert as it lands.
 */
export function tappedSinkConnector(inner: TableConnector, onRows: (rows: Row[]) => void): TableConnector {
  return {
    ...inner,
    createSink: (ctx) => {
      const sink = inner.createSink!(ctx);
      return {
        name: sink.name,
        createWriter: (wctx): SinkWriter<Row | ChangeRow> => {
          const writer = sink.createWriter(wctx);
          return {
            ...bindAll(writer, ['finish', 'preCommit', 'commit', 'snapshotState', 'restoreState', 'close']),
            async write(batch) {
              await writer.write(batch);
              onRows(batch.values.map((v) => (Array.isArray(v) ? v : (v as ChangeRow).row)));
            },
          };
        },
      };
    },
  };
}

/** The optional methods `names` of `obj` that it has, bound to it (writers and readers may be class instances). */
function bindAll<T extends object, K extends keyof T>(obj: T, names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of names) {
    const f = obj[k];
    if (typeof f === 'function') out[k] = (f as (...a: unknown[]) => unknown).bind(obj) as T[K];
  }
  return out;
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
