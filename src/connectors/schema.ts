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
}

export interface SinkContext extends ConnectorContext {
  /** True when the query feeding the sink updates earlier rows (-U/+U/-D): it then receives `ChangeRow`s. */
  changelog: boolean;
}

/**
 * A table connector: its options described once, and a source and/or sink made from a table's schema
 * and options. Registered in `registry.ts`.
 */
export interface TableConnector {
  readonly name: string;
  readonly schema: OptionSchema;
  /** Whether a source of these options ends (bounded) or runs until cancelled. */
  isBounded?(options: ResolvedOptions): boolean;
  createSource?(ctx: ConnectorContext): Source<Row>;
  createSink?(ctx: SinkContext): Sink<Row | ChangeRow>;
}
