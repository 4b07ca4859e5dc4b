import { UserError } from '../../core/errors.js';
import { resolveConnector } from '../../connectors/registry.js';
import type { ResolvedOptions, TableConnector } from '../../connectors/registry.js';
import type { CreateTable, Expr, Query, Span } from '../parser/index.js';
import type { SqlType } from '../types/sql-type.js';

/** A column of a catalog table. Computed columns are evaluated on read from the physical ones. */
export interface TableColumn {
  name: string;
  type: SqlType;
  kind: 'physical' | 'computed';
  /** The expression of a computed column. */
  expr?: Expr;
}

/** A table created with `CREATE TABLE`, bound to a connector whose options have been checked. */
export interface CatalogTable {
  kind: 'table';
  name: string;
  columns: TableColumn[];
  /** `WATERMARK FOR col AS expr`: the rowtime column and the watermark expression. */
  watermark?: { column: string; expr: Expr; span: Span };
  primaryKey?: string[];
  options: ReadonlyMap<string, string>;
  connector: TableConnector;
  resolvedOptions: ResolvedOptions;
  ddl: CreateTable;
}

/** A view: a named query, expanded where it is used. */
export interface CatalogView {
  kind: 'view';
  name: string;
  query: Query;
  columns?: string[];
  /** The script text the view's spans point into. */
  source: string;
}

export type CatalogObject = CatalogTable | CatalogView;

/**
 * The tables, views and session configuration of one SQL session (Flink's default catalog and
 * database). Names are case-sensitive, as in Flink.
 */
export class Catalog {
  private readonly objects = new Map<string, CatalogObject>();
  /** `SET 'key' = 'value'` options of the session. */
  readonly config = new Map<string, string>();

  get(name: string): CatalogObject | undefined {
    return this.objects.get(name);
  }

  has(name: string): boolean {
    return this.objects.has(name);
  }

  /** Table and view names, sorted as `SHOW TABLES` lists them. */
  names(kind?: 'table' | 'view'): string[] {
    return [...this.objects.values()].filter((o) => kind === undefined || o.kind === kind).map((o) => o.name).sort();
  }

  add(obj: CatalogObject, ifNotExists: boolean): void {
    if (this.objects.has(obj.name)) {
      if (ifNotExists) return;
      throw new UserError(`${obj.kind === 'view' ? 'View' : 'Table'} "${obj.name}" already exists`, { hint: 'use CREATE ... IF NOT EXISTS, or DROP it first' });
    }
    this.objects.set(obj.name, obj);
  }

  drop(name: string, kind: 'table' | 'view', ifExists: boolean): void {
    const obj = this.objects.get(name);
    if (!obj || obj.kind !== kind) {
      if (ifExists) return;
      throw new UserError(`${kind === 'view' ? 'View' : 'Table'} "${name}" does not exist`, { hint: `existing: ${this.names(kind).join(', ') || 'none'}` });
    }
    this.objects.delete(name);
  }
}

/** Checks `'connector' = …` and the other WITH options of a CREATE TABLE. */
export function connectorFor(table: string, options: ReadonlyMap<string, string>): { connector: TableConnector; options: ResolvedOptions } {
  return resolveConnector(table, options);
}
