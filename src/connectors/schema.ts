import type { SqlType } from '../sql/types/sql-type.js';
import type { Sink } from '../runtime/sink.js';
import type { Source } from '../runtime/source.js';
import type { OptionSchema, ResolvedOptions } from './options.js';

/** A SQL row: one value per column, by position. */
export type Row = unknown[];

/** Flink's RowKind, in its short form. */
export type RowKind = '+I' | '-U' | '+U' | '-D';

/** A row of an updating (changelog) stream. */
export interface ChangeRow {
  op: RowKind;
  row: Row;
}

/** A physical column of a table as a connector sees it. */
export interface ColumnSchema {
  name: string;
  type: SqlType;
}

export interface ConnectorContext {
  /** The table's name, for messages. */
  table: string;
  /** Physical columns, in the order rows carry them. */
  columns: ColumnSchema[];
  options: ResolvedOptions;
  /** The `PRIMARY KEY (...) NOT ENFORCED` columns, when the table declares one (set for lookups). */
  primaryKey?: string[];
}

export interface SinkContext extends ConnectorContext {
  /** True when the query feeding the sink updates earlier rows (-U/+U/-D): it then receives `ChangeRow`s. */
  changelog: boolean;
}

/** What a lookup source is made for: the table, and the columns a lookup join matches on. */
export interface LookupContext extends ConnectorContext {
  /** Names of the physical columns each key gives values for, in key order (the equalities of the join's ON). */
  keyColumns: string[];
  /** Logs through the operator that owns the lookup source (lines carry operator and subtask). */
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/**
 * Reads rows of a table by key, for lookup joins (Flink's `LookupTableSource`). One instance serves one
 * subtask of a join; calls come one batch at a time, or several at once with `'lookup.async' = 'true'`.
 *
 * Caching (`lookup.cache`), retries (`lookup.max-retries`) and NULL keys are handled by the join, not
 * here: a source only reads. A failure it may recover from is an `ExternalError` with `retriable`.
 */
export interface LookupSource {
  /**
   * The rows of each key, in the order of `keys`: `[]` where a key has none. A key holds one value per
   * column of `LookupContext.keyColumns`, never NULL, already of that column's type. Rows hold the
   * table's physical columns, converted to their declared types.
   */
  lookup(keys: readonly Row[]): Promise<Row[][]>;
  /** At most this many keys per `lookup` call (e.g. a pipeline or an `IN (...)` list); unlimited when absent. */
  readonly maxKeysPerCall?: number;
  close?(): Promise<void> | void;
}

/**
 * A table connector: its options described once, and a source and/or sink made from a table's schema
 * and options. Registered in `registry.ts`.
 *
 * A connector that can look rows up by key (a database, a key-value store) implements `createLookup`;
 * its tables can then be the right side of a lookup join
 * (`JOIN dim FOR SYSTEM_TIME AS OF probe.proc AS d ON d.id = probe.id`) without planner changes. It
 * should accept the options of `LOOKUP_OPTIONS` (`lookup-options.ts`), which the join reads.
 *
 * @example
 * const kv: TableConnector = {
 *   name: 'kv', schema: { options: [...LOOKUP_OPTIONS] },
 *   lookupKeys: (ctx) => ctx.columns.slice(0, 1).map((c) => c.name),
 *   createLookup: (ctx) => ({ lookup: async (keys) => keys.map((k) => store.get(k[0]) ?? []) }),
 * };
 */
export interface TableConnector {
  readonly name: string;
  readonly schema: OptionSchema;
  /** Whether a source of these options ends (bounded) or runs until cancelled. */
  isBounded?(options: ResolvedOptions): boolean;
  createSource?(ctx: ConnectorContext): Source<Row>;
  createSink?(ctx: SinkContext): Sink<Row | ChangeRow>;
  /**
   * The columns every lookup must give a value for, e.g. the key of a key-value store; the planner
   * rejects a lookup join whose ON has no equality on one of them. Absent: any non-empty set of columns
   * (a database that can query by any column); the join then looks up by all equalities in its ON.
   */
  lookupKeys?(ctx: ConnectorContext): string[];
  /** A lookup source for one subtask of a lookup join; called when the join starts. */
  createLookup?(ctx: LookupContext): LookupSource;
}
