/**
 * Flink's legacy group windows: `GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), k` with
 * `TUMBLE_START/_END/_ROWTIME(ts, INTERVAL '10' SECOND)` in the SELECT list (likewise HOP(ts, slide, size)
 * and SESSION(ts, gap)). They are planned as the window TVF form: the input gets the window columns,
 * the auxiliary functions read them, and the window aggregate operator runs as for `TABLE(TUMBLE(...))`.
 */
import type * as A from '../parser/index.js';
import { unparse } from '../parser/index.js';
import type { ScopeField } from '../expr/scope.js';
import { T, typeToString, withoutTimeAttribute } from '../types/sql-type.js';
import { intervalMs } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import type { Rel, WindowDef, WindowTableRel } from './logical.js';
import type { QueryPlanner } from './query-planner.js';

type GroupWindowKind = 'TUMBLE' | 'HOP' | 'SESSION';

const ARGS: Record<GroupWindowKind, string> = {
  TUMBLE: 'TUMBLE(time_attr, size_interval)',
  HOP: 'HOP(time_attr, slide_interval, size_interval)',
  SESSION: 'SESSION(time_attr, gap_interval)',
};

/** Which window column each auxiliary function reads. */
const AUXILIARY: Record<string, number> = { START: 0, END: 1, ROWTIME: 2, PROCTIME: 2 };
const WINDOW_COLUMNS = ['window_start', 'window_end', 'window_time'];

function windowCall(e: A.Expr): A.FunctionCall | undefined {
  if (e.kind !== 'FunctionCall' || e.name.length !== 1 || e.over !== undefined) return undefined;
  const n = e.name[0]!.toUpperCase();
  return n === 'TUMBLE' || n === 'HOP' || n === 'SESSION' ? e : undefined;
}

/** True when GROUP BY holds a legacy group window call. */
export function hasGroupWindow(groupBy: readonly A.Expr[]): boolean {
  return groupBy.some((g) => windowCall(g) !== undefined);
}

/** Plans `SELECT ... FROM input GROUP BY TUMBLE|HOP|SESSION(...), keys [HAVING ...]`. */
export function planGroupWindow(
  planner: QueryPlanner, input: Rel, groupBy: A.Expr[], items: { expr: A.Expr; name: string }[], having: A.Expr | undefined,
): Rel {
  const source = planner.source;
  const calls = groupBy.filter((g) => windowCall(g) !== undefined) as A.FunctionCall[];
  if (calls.length > 1) throw planError(source, calls[1]!.span, 'GROUP BY can have only one group window');
  const call = calls[0]!;
  const kind = call.name[0]!.toUpperCase() as GroupWindowKind;
  const want = kind === 'HOP' ? 3 : 2;
  if (call.args.length !== want) {
    throw call.args.length === want + 1 && kind !== 'SESSION'
      ? unsupported(source, call.span, `the alignment argument of ${kind}`, 'use the window TVF form with OFFSET: TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size, offset))')
      : planError(source, call.span, `${kind} in GROUP BY takes ${want} arguments: ${ARGS[kind]}`);
  }
  if (input.updating) throw planError(source, call.span, `Group window ${kind} needs an insert-only input, but its input produces updates`);
  const env = planner.env(input.fields);
  const timeArg = call.args[0]!;
  if (timeArg.kind !== 'Identifier') throw planError(source, timeArg.span, `the first argument of ${kind} must be a time attribute column`);
  let timeIndex: number;
  try {
    timeIndex = env.scope.resolve(timeArg.parts, timeArg.span).index;
  } catch (e) {
    throw positioned(e, source);
  }
  const timeType = input.fields[timeIndex]!.type;
  if (timeType.timeAttribute !== 'ROWTIME' && timeType.timeAttribute !== 'PROCTIME') {
    throw planError(source, timeArg.span, `Window can only be defined on a time attribute column, but is type of ${typeToString(timeType)}`,
      'declare WATERMARK FOR the column on the table, or use a PROCTIME() column');
  }
  const window: WindowDef = { kind, size: 0, offset: 0, timeIndex, timeColumn: unparse(timeArg), partitionKeys: [], span: call.span };
  const proctime = timeType.timeAttribute === 'PROCTIME';
  if (proctime) window.proctime = true;
  if (kind === 'TUMBLE') window.size = intervalMs(call.args[1]!, env, 'the window size');
  if (kind === 'HOP') {
    window.slide = intervalMs(call.args[1]!, env, 'the window slide');
    window.size = intervalMs(call.args[2]!, env, 'the window size');
  }
  if (kind === 'SESSION') window.size = window.gap = intervalMs(call.args[1]!, env, 'the session gap');

  const fields: ScopeField[] = [
    ...input.fields.map((f, i) => (i === timeIndex ? { ...f, type: withoutTimeAttribute(f.type) } : f)),
    { name: WINDOW_COLUMNS[0]!, type: T.timestamp(3, false) },
    { name: WINDOW_COLUMNS[1]!, type: T.timestamp(3, false) },
    // TUMBLE_ROWTIME / TUMBLE_PROCTIME: a time attribute of the same kind, so another window can follow.
    { name: WINDOW_COLUMNS[2]!, type: proctime ? timeType : { ...T.timestamp(3, false), timeAttribute: 'ROWTIME' } },
  ];
  const tvf: WindowTableRel = { kind: 'WindowTable', input, window, fields, updating: false };
  const windowText = call.args.map((a) => unparse(a)).join(', ');

  // TUMBLE_START(ts, size) and friends become the window columns; they must repeat the window's arguments.
  const rewrite = <E>(x: E): E => {
    if (Array.isArray(x)) return x.map(rewrite) as E;
    if (!x || typeof x !== 'object') return x;
    const n = x as unknown as A.Expr;
    if (n.kind === 'FunctionCall' && n.name.length === 1) {
      const m = /^(TUMBLE|HOP|SESSION)_(START|END|ROWTIME|PROCTIME)$/.exec(n.name[0]!.toUpperCase());
      if (m) {
        if (m[1] !== kind) throw planError(source, n.span, `${m[0]} does not match the group window ${kind}(${windowText})`);
        if ((m[2] === 'PROCTIME') !== proctime && m[2] !== 'START' && m[2] !== 'END') {
          throw planError(source, n.span, `${m[0]} needs a ${proctime ? 'rowtime' : 'processing-time'} window, but ${unparse(timeArg)} is a ${proctime ? 'processing-time' : 'rowtime'} attribute`);
        }
        if (n.args.map((a) => unparse(a)).join(', ') !== windowText) {
          throw planError(source, n.span, `${m[0]} must have the arguments of the group window: ${m[0]}(${windowText})`);
        }
        return { kind: 'Identifier', parts: [WINDOW_COLUMNS[AUXILIARY[m[2]!]!]!], span: n.span } as unknown as E;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === 'span' ? v : rewrite(v);
    return out as E;
  };
  const newItems = items.map((it) => ({ expr: rewrite(it.expr), name: it.name }));
  const newHaving = having === undefined ? undefined : rewrite(having);
  const span = call.span;
  const keys = [
    ...groupBy.filter((g) => g !== call),
    { kind: 'Identifier', parts: [WINDOW_COLUMNS[0]!], span } as A.Identifier,
    { kind: 'Identifier', parts: [WINDOW_COLUMNS[1]!], span } as A.Identifier,
  ];
  const aggs: A.FunctionCall[] = [];
  for (const it of newItems) planner.collectAggregates(it.expr, aggs);
  if (newHaving) planner.collectAggregates(newHaving, aggs);
  return planner.planWindowAggregate(tvf, keys, aggs, newItems, newHaving);
}
