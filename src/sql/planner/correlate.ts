/**
 * Table functions joined to each row of their input (Flink's Correlate):
 * `FROM t, LATERAL TABLE(f(t.x))`, `t CROSS JOIN LATERAL TABLE(...)`, `t JOIN LATERAL TABLE(...) ON TRUE`
 * and `t LEFT JOIN LATERAL TABLE(...) ON TRUE` (a row without results is kept, padded with NULLs).
 */
import type { DataStream } from '../../api/datastream.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import type * as A from '../parser/index.js';
import { unparse } from '../parser/index.js';
import type { ScopeField } from '../expr/scope.js';
import { SqlTypeError } from '../types/errors.js';
import { withNullable } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import { compileScalar } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import type { Rel } from './logical.js';
import type { QueryPlanner } from './query-planner.js';

/** Rows are `input ++ function row`, one per row the function yields for the input row. */
export interface CorrelateRel {
  kind: 'Correlate';
  fields: ScopeField[];
  updating: boolean;
  input: Rel;
  joinType: 'INNER' | 'LEFT';
  /** The function's rows for one input row. */
  rows: (row: Row) => Iterable<unknown[]>;
  /** Width of the function's rows (for NULL padding). */
  width: number;
  /** The plan line. */
  text: string;
}

/** True when the right side of a join is a user table function (`LATERAL TABLE(f(...))`), not a window TVF or ML_PREDICT. */
export function isCorrelate(planner: QueryPlanner, ref: A.JoinRef): boolean {
  const r = ref.right;
  return r.kind === 'TableFunction' && planner.ctx.functions.kind(r.call.name[r.call.name.length - 1]!) === 'table';
}

const isTrue = (e: A.Expr | undefined): boolean => e === undefined || /^TRUE$/i.test(unparse(e));

/**
 * Plans `left <join> LATERAL TABLE(f(args))`: the arguments may use the columns of `left`. An INNER join
 * may have any ON condition (a filter on the joined rows); a LEFT join only `ON TRUE`, as in Flink.
 */
export function planCorrelate(planner: QueryPlanner, ref: A.JoinRef, left: Rel): Rel {
  const source = planner.source;
  const fn = ref.right as A.TableFunctionRef;
  const call = fn.call;
  const name = call.name[call.name.length - 1]!;
  if (ref.joinType === 'RIGHT' || ref.joinType === 'FULL') throw unsupported(source, ref.span, `${ref.joinType} JOIN with a table function`, 'use JOIN or LEFT JOIN LATERAL TABLE(...) ON TRUE');
  if (ref.using) throw planError(source, ref.span, 'a join with a table function cannot have USING');
  const leftJoin = ref.joinType === 'LEFT';
  if (leftJoin && !isTrue(ref.on)) throw planError(source, ref.on!.span, 'a LEFT JOIN with a table function needs the condition ON TRUE', 'filter the rows in WHERE instead');
  const f = planner.ctx.functions.table(name)!;
  const env = planner.env(left.fields);
  for (const a of call.args) {
    if (a.kind === 'Star' || a.kind === 'NamedArgument' || a.kind === 'TableArgument') throw planError(source, a.span, `table function ${name.toUpperCase()} takes plain values as arguments`);
  }
  if (call.distinct || call.filter || call.over) throw planError(source, call.span, `DISTINCT, FILTER and OVER cannot be used with table function ${name.toUpperCase()}`);
  const args = call.args.map((a) => compileScalar(a, env));
  const argTypes = args.map((a) => a.type);
  if (argTypes.length < f.minArgs || argTypes.length > f.maxArgs) {
    throw planError(source, call.span, `Invalid number of arguments to function '${f.name}'. Was expecting ${f.minArgs === f.maxArgs ? f.minArgs : `${f.minArgs} to ${f.maxArgs}`} arguments`);
  }
  let rowType: SqlType;
  let impl: (...a: unknown[]) => Iterable<unknown[]>;
  try {
    rowType = f.inferType(argTypes);
    impl = f.create(argTypes, rowType, { timeZone: planner.ctx.timeZone, now: () => Date.now() });
  } catch (e) {
    if (e instanceof SqlTypeError && e.span === undefined) throw planError(source, call.span, e.message, e.hint);
    throw positioned(e, source);
  }
  const alias = fn.alias;
  const cols = rowType.fields!;
  if (alias?.columns && alias.columns.length !== cols.length) {
    throw planError(source, fn.span, `table function ${f.name} returns ${cols.length} columns (${cols.map((c) => c.name).join(', ')}), but the alias names ${alias.columns.length}`);
  }
  const tableName = alias?.name ?? f.name.toLowerCase();
  const right: ScopeField[] = cols.map((c, i) => ({ name: alias?.columns?.[i] ?? c.name, type: leftJoin ? withNullable(c.type, true) : c.type, table: tableName }));
  const evals = args.map((a) => a.eval);
  const rows = (row: Row): Iterable<unknown[]> => impl(...evals.map((ev) => ev(row)));
  const argText = call.args.map((a) => unparse(a)).join(', ');
  const correlate: CorrelateRel = {
    kind: 'Correlate', input: left, fields: [...left.fields, ...right], updating: left.updating,
    joinType: leftJoin ? 'LEFT' : 'INNER', rows, width: cols.length,
    text: `Correlate(invocation=[${f.name}(${argText})], joinType=[${leftJoin ? 'LEFT' : 'INNER'}], select=[${[...left.fields, ...right].map((x) => x.name).join(', ')}])`,
  };
  if (isTrue(ref.on)) return correlate;
  const filter = planner.planned(ref.on!, planner.env(correlate.fields));
  return { kind: 'Calc', input: correlate, fields: correlate.fields, updating: correlate.updating, filter };
}

/** The operator of a Correlate: a flatMap over rows (or over the changes of an updating input). */
export function translateCorrelate(input: DataStream<Row | ChangeRow>, rel: CorrelateRel): DataStream<Row | ChangeRow> {
  const { rows, width } = rel;
  const left = rel.joinType === 'LEFT';
  const pad = new Array<unknown>(width).fill(null);
  const expand = (row: Row): Row[] => {
    const out: Row[] = [];
    for (const r of rows(row)) out.push([...row, ...r]);
    if (out.length === 0 && left) out.push([...row, ...pad]);
    return out;
  };
  if (rel.input.updating) {
    return input.flatMap((c) => expand((c as ChangeRow).row).map((row): Row | ChangeRow => ({ op: (c as ChangeRow).op, row })));
  }
  return input.flatMap((row): (Row | ChangeRow)[] => expand(row as Row));
}
