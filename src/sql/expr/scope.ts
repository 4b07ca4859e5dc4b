import type { Expr, Span } from '../parser/index.js';
import { stripSpans } from '../parser/index.js';
import { SqlTypeError } from '../types/errors.js';
import type { SqlType } from '../types/sql-type.js';

/** One column visible to an expression: its name, type and the table (or alias) it comes from. */
export interface ScopeField {
  name: string;
  type: SqlType;
  /** Table name or alias that qualifies the column (`o` in `o.price`). */
  table?: string;
}

/** A column reference resolved by a `Scope`. */
export interface ResolvedColumn {
  /** Position of the column in the row. */
  index: number;
  type: SqlType;
  /** How many leading name parts named the column; the rest are ROW field accesses (`t.addr.city`). */
  consumed: number;
}

/**
 * An expression the planner has already computed into a column (a GROUP BY key, an aggregate
 * result, a window_start), so `compileExpr` reads the column instead of compiling the expression again.
 */
export interface ComputedColumn {
  expr: Expr;
  index: number;
  type: SqlType;
}

/**
 * The columns an expression can see, positional as in the row. Identifiers are matched
 * case-sensitively, as Flink does by default; a miss that differs only in case says so in the hint.
 *
 * @example
 * const scope = new Scope([{ name: 'id', type: T.bigint(false), table: 'o' }, { name: 'price', type: T.decimal(10, 2) }]);
 * scope.resolve(['o', 'id']) // { index: 0, type: BIGINT NOT NULL, consumed: 2 }
 */
export class Scope {
  readonly fields: readonly ScopeField[];
  private readonly computed = new Map<string, ComputedColumn>();

  constructor(fields: ScopeField[], options: { computed?: ComputedColumn[] } = {}) {
    this.fields = fields;
    for (const c of options.computed ?? []) this.computed.set(exprKey(c.expr), c);
  }

  /** The column an already computed expression lives in, if the planner registered one. */
  lookupComputed(expr: Expr): ComputedColumn | undefined {
    if (this.computed.size === 0) return undefined;
    return this.computed.get(exprKey(expr));
  }

  /**
   * Resolves a (possibly qualified) name. Tries `table.column` first, then `column` (with the rest
   * as field accesses). Throws `SqlTypeError` with Flink's wording when nothing or more than one matches.
   */
  resolve(parts: string[], span?: Span): ResolvedColumn {
    if (parts.length >= 2) {
      const [t, c] = parts as [string, string];
      const hits = this.indexesOf(c, t);
      if (hits.length === 1) return { index: hits[0]!, type: this.fields[hits[0]!]!.type, consumed: 2 };
      if (hits.length > 1) throw new SqlTypeError(`Column '${t}.${c}' is ambiguous`, span);
    }
    const name = parts[0]!;
    const hits = this.indexesOf(name);
    if (hits.length === 1) return { index: hits[0]!, type: this.fields[hits[0]!]!.type, consumed: 1 };
    if (hits.length > 1) {
      throw new SqlTypeError(`Column '${name}' is ambiguous`, span, `qualify it: ${hits.map((i) => `${this.fields[i]!.table ?? '?'}.${name}`).join(' or ')}`);
    }
    if (parts.length >= 2 && this.fields.some((f) => f.table === parts[0])) {
      throw new SqlTypeError(`Column '${parts[1]}' not found in table '${parts[0]}'`, span, this.caseHint(parts[1]!));
    }
    if (parts.length >= 2 && !this.fields.some((f) => f.table === parts[0])) {
      throw new SqlTypeError(`Table '${parts[0]}' not found`, span, this.caseHint(parts[0]!, true));
    }
    throw new SqlTypeError(`Column '${name}' not found in any table`, span, this.caseHint(name));
  }

  private indexesOf(name: string, table?: string): number[] {
    const out: number[] = [];
    this.fields.forEach((f, i) => {
      if (f.name === name && (table === undefined || f.table === table)) out.push(i);
    });
    return out;
  }

  private caseHint(name: string, isTable = false): string | undefined {
    const lower = name.toLowerCase();
    const alt = isTable
      ? this.fields.find((f) => f.table?.toLowerCase() === lower)?.table
      : this.fields.find((f) => f.name.toLowerCase() === lower)?.name;
    if (alt !== undefined) return `identifiers are case-sensitive; did you mean \`${alt}\`?`;
    if (isTable || this.fields.length === 0 || this.fields.length > 30) return undefined;
    return `available columns: ${this.fields.map((f) => (f.table ? `${f.table}.${f.name}` : f.name)).join(', ')}`;
  }
}

/**
 * A span-free key of an expression, equal for expressions written the same way; function names
 * compare case-insensitively (`sum(x)` matches `SUM(x)`), column names case-sensitively.
 */
export function exprKey(expr: Expr): string {
  return JSON.stringify(stripSpans(expr), (key, value: unknown) => {
    if (value !== null && typeof value === 'object' && (value as { kind?: string }).kind === 'FunctionCall') {
      const f = value as { name: string[] };
      return { ...f, name: f.name.map((n) => n.toUpperCase()) };
    }
    return value;
  });
}
