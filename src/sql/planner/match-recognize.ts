/**
 * Plans `MATCH_RECOGNIZE` (Flink's CEP in SQL) into a `MatchRecognizeRel`: a chain pattern, DEFINE
 * conditions and MEASURES bound to the rows of a (partial) match.
 *
 * DEFINE and MEASURES expressions are compiled against a "virtual row": the current row's columns
 * (for MEASURES, the last row of the match) followed by one slot per pattern navigation found in the
 * expression (`A.col`, `FIRST/LAST(A.col[, n])`, aggregates over a variable's rows, `MATCH_ROWTIME()`),
 * registered as computed columns so the expression compiler reads the slot.
 */
import type * as A from '../parser/index.js';
import { unparse } from '../parser/index.js';
import type { Row } from '../../connectors/registry.js';
import type { ComputedColumn, ScopeField } from '../expr/scope.js';
import { withoutTimeAttribute, typeToString } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import type { MatchedRow, MatchSpec, PatternElement, SkipStrategy } from '../runtime/match-recognize.js';
import { compileScalar, intervalMs } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import type { MatchRecognizeRel, Rel } from './logical.js';
import type { QueryPlanner } from './query-planner.js';

/** How one slot of the virtual row is computed from the rows of a match. */
type Slot =
  | { kind: 'nav'; variable: number; column: number; first: boolean; offset: number }
  | { kind: 'agg'; variable: number; create: () => unknown; add: (acc: unknown, row: Row) => void; result: (acc: unknown) => unknown }
  | { kind: 'rowtime'; column: number };

const NAV_FUNCTIONS = new Set(['FIRST', 'LAST']);
const UNSUPPORTED_FUNCTIONS = new Set(['CLASSIFIER', 'MATCH_NUMBER', 'MATCH_PROCTIME', 'RUNNING', 'FINAL', 'NEXT']);

function slotValue(slot: Slot, rows: readonly MatchedRow[]): unknown {
  switch (slot.kind) {
    case 'rowtime': return rows[rows.length - 1]!.row[slot.column];
    case 'nav': {
      const mine = rows.filter((r) => r.variable === slot.variable);
      const r = slot.first ? mine[slot.offset] : mine[mine.length - 1 - slot.offset];
      return r === undefined ? null : r.row[slot.column];
    }
    case 'agg': {
      const acc = slot.create();
      for (const r of rows) if (r.variable === slot.variable) slot.add(acc, r.row);
      return slot.result(acc);
    }
  }
}

/** Plans a MATCH_RECOGNIZE over an already planned input. */
export function planMatchRecognize(qp: QueryPlanner, ref: A.MatchRecognizeRef, input: Rel): MatchRecognizeRel {
  const src = qp.source;
  if (input.updating) throw planError(src, ref.span, 'Retraction on match recognize is not supported.', 'MATCH_RECOGNIZE needs an insert-only input; it cannot follow a non-windowed GROUP BY');
  if (ref.rowsPerMatch === 'ALL') throw planError(src, ref.span, 'All rows per match mode is not supported yet.', 'Flink runs ONE ROW PER MATCH only');
  if (ref.subsets.length > 0) throw unsupported(src, ref.span, 'SUBSET in MATCH_RECOGNIZE');
  const env = qp.env(input.fields);

  // ORDER BY: an ascending rowtime first (Flink also allows secondary keys; weir not yet).
  if (ref.orderBy.length === 0) throw planError(src, ref.span, 'You must specify either rowtime or proctime for order by.', 'add ORDER BY on the time attribute of the input');
  const ob = ref.orderBy[0]!;
  if (ob.expr.kind !== 'Identifier') throw planError(src, ob.expr.span, 'MATCH_RECOGNIZE must be ordered by a time attribute column');
  let timeCol;
  try {
    timeCol = env.scope.resolve(ob.expr.parts, ob.expr.span);
  } catch (e) {
    throw positioned(e, src);
  }
  if (timeCol.type.timeAttribute === 'PROCTIME') throw unsupported(src, ob.expr.span, 'processing-time MATCH_RECOGNIZE');
  if (timeCol.type.timeAttribute !== 'ROWTIME') throw planError(src, ob.expr.span, `MATCH_RECOGNIZE must be ordered by a time attribute, but '${unparse(ob.expr)}' is ${typeToString(timeCol.type)}`, 'order by the column of the table\'s WATERMARK');
  if (ob.direction === 'DESC') throw planError(src, ob.expr.span, 'Primary sort order of a streaming table must be ascending on time.');
  if (ref.orderBy.length > 1) throw unsupported(src, ref.orderBy[1]!.expr.span, 'secondary ORDER BY keys in MATCH_RECOGNIZE');
  const timeIndex = timeCol.index;

  // PARTITION BY: columns, which lead the output.
  const partitionBy = ref.partitionBy.map((p) => {
    if (p.kind !== 'Identifier') throw unsupported(src, p.span, 'PARTITION BY an expression in MATCH_RECOGNIZE', 'partition by columns');
    return qp.planned(p, env);
  });
  const outFields: ScopeField[] = partitionBy.map((p, i) => {
    const e = ref.partitionBy[i] as A.Identifier;
    return { name: e.parts[e.parts.length - 1]!, type: withoutTimeAttribute(p.compiled.type) };
  });

  // PATTERN: a chain of variables with quantifiers.
  const variables: string[] = [];
  const elements: PatternElement[] = [];
  const flatten = (t: A.PatternTerm): void => {
    switch (t.kind) {
      case 'PatternSeq': t.items.forEach(flatten); return;
      case 'PatternAlt': throw planError(src, ref.span, 'Currently, CEP doesn\'t support branching patterns.', 'alternation (A | B) is not supported by Flink');
      case 'PatternVar': addElement(t.name, 1, 1, false); return;
      case 'PatternQuant': {
        if (t.term.kind !== 'PatternVar') throw unsupported(src, ref.span, 'quantified pattern groups such as (A B)+', 'Flink quantifies single variables only');
        const max = t.max ?? Number.POSITIVE_INFINITY;
        const optional = t.min === 0 && max === 1;
        if (optional && t.reluctant) throw planError(src, ref.span, 'Reluctant optional variables are not supported yet.');
        // As Flink: greedy unless reluctant, an exact count, or `?`.
        addElement(t.term.name, t.min, max, !t.reluctant && !optional && t.min !== max);
        return;
      }
    }
  };
  const addElement = (name: string, min: number, max: number, greedy: boolean): void => {
    if (variables.includes(name)) throw planError(src, ref.span, 'Pattern variables must be unique. That might change in the future.');
    if (max < 1 || min > max) throw planError(src, ref.span, `Invalid quantifier {${min},${max}} for pattern variable ${name}`);
    variables.push(name);
    elements.push({ variable: variables.length - 1, min, max, greedy });
  };
  flatten(ref.pattern);
  if (elements.every((e) => e.min === 0)) throw planError(src, ref.span, 'Patterns that can produce empty matches are not supported. There must be at least one non-optional state.');
  if (elements[elements.length - 1]!.greedy) {
    throw planError(src, ref.span, 'Greedy quantifiers are not allowed as the last element of a Pattern yet. Finish your pattern with either a simple variable or reluctant quantifier.', 'make the last quantifier reluctant, e.g. B+?');
  }
  const varIndex = (name: string, span: A.Span): number => {
    const i = variables.indexOf(name);
    if (i < 0) throw planError(src, span, `Unknown pattern variable '${name}'`, `the pattern has ${variables.join(', ')}`);
    return i;
  };

  // Binds an expression (DEFINE or MEASURES) to slots of the virtual row.
  const bind = (expr: A.Expr): { eval: (rows: readonly MatchedRow[]) => unknown; type: SqlType } => {
    const slots: Slot[] = [];
    const computed: ComputedColumn[] = [];
    const fields: ScopeField[] = [...input.fields];
    const seen = new Map<string, number>();
    const addSlot = (node: A.Expr, slot: Slot, type: SqlType): void => {
      const key = unparse(node);
      if (seen.has(key)) return;
      seen.set(key, slots.length);
      const index = input.fields.length + slots.length;
      slots.push(slot);
      fields.push({ name: `$mr${slots.length - 1}`, type });
      computed.push({ expr: node, index, type });
    };
    const column = (parts: string[], span: A.Span): { variable: number; index: number; type: SqlType } | undefined => {
      if (parts.length !== 2 || !variables.includes(parts[0]!)) return undefined;
      const variable = varIndex(parts[0]!, span);
      let r;
      try {
        r = env.scope.resolve([parts[1]!], span);
      } catch (e) {
        throw positioned(e, src);
      }
      return { variable, index: r.index, type: { ...withoutTimeAttribute(r.type), nullable: true } };
    };
    const visit = (x: unknown): void => {
      if (!x || typeof x !== 'object') return;
      if (Array.isArray(x)) { x.forEach(visit); return; }
      const n = x as A.Expr;
      if (n.kind === 'Identifier') {
        const c = column(n.parts, n.span);
        if (c) addSlot(n, { kind: 'nav', variable: c.variable, column: c.index, first: false, offset: 0 }, c.type);
        return;
      }
      if (n.kind === 'FunctionCall' && n.name.length === 1) {
        const fn = n.name[0]!.toUpperCase();
        if (fn === 'PREV') throw planError(src, n.span, 'Flink does not support physical offsets within partition.', 'use LAST(var.col, n) to look back within the match');
        if (UNSUPPORTED_FUNCTIONS.has(fn)) throw unsupported(src, n.span, `${fn} in MATCH_RECOGNIZE`);
        if (fn === 'MATCH_ROWTIME') {
          if (n.args.length > 0) throw unsupported(src, n.span, 'MATCH_ROWTIME with an argument');
          addSlot(n, { kind: 'rowtime', column: timeIndex }, { ...timeCol.type, nullable: false });
          return;
        }
        if (NAV_FUNCTIONS.has(fn)) {
          const arg = n.args[0];
          const c = arg?.kind === 'Identifier' ? column(arg.parts, arg.span) : undefined;
          if (!c || n.args.length > 2) throw unsupported(src, n.span, `${fn} of anything but var.column`, `write ${fn}(A.col) or ${fn}(A.col, n)`);
          let offset = 0;
          if (n.args.length === 2) {
            const o = n.args[1]!;
            offset = o.kind === 'NumberLiteral' ? Number(o.value) : NaN;
            if (!Number.isInteger(offset) || offset < 0) throw planError(src, o.span, `The offset of ${fn} must be a whole number >= 0`);
          }
          addSlot(n, { kind: 'nav', variable: c.variable, column: c.index, first: fn === 'FIRST', offset }, c.type);
          return;
        }
        if (n.over === undefined && qp.ctx.functions.aggregate(fn) !== undefined) {
          const [slot, type] = aggregateSlot(n, fn);
          addSlot(n, slot, type);
          return;
        }
      }
      for (const v of Object.values(n)) visit(v);
    };
    // An aggregate over the rows of one variable: its arguments see that variable's columns.
    const aggregateSlot = (call: A.FunctionCall, fn: string): [Slot, SqlType] => {
      if (call.distinct || call.filter) throw unsupported(src, call.span, `${fn} with DISTINCT or FILTER in MATCH_RECOGNIZE`);
      if (call.args.some((a) => a.kind === 'Star')) throw unsupported(src, call.span, `${fn}(*) in MATCH_RECOGNIZE`, `aggregate a variable's column, e.g. ${fn}(A.col)`);
      const used = new Set<string>();
      const find = (x: unknown): void => {
        if (!x || typeof x !== 'object') return;
        if (Array.isArray(x)) { x.forEach(find); return; }
        const e = x as A.Expr;
        if (e.kind === 'Identifier' && e.parts.length === 2 && variables.includes(e.parts[0]!)) used.add(e.parts[0]!);
        for (const v of Object.values(e)) find(v);
      };
      find(call.args);
      if (used.size !== 1) throw unsupported(src, call.span, `${fn} ${used.size === 0 ? 'without' : 'over more than one'} pattern variable`, `aggregate one variable's rows, e.g. ${fn}(A.col)`);
      const name = [...used][0]!;
      const variable = varIndex(name, call.span);
      const varEnv = qp.env(input.fields.map((f) => ({ name: f.name, type: f.type, table: name })));
      const args = call.args.map((a) => compileScalar(a, varEnv));
      let acc;
      try {
        acc = qp.ctx.functions.resolveAggregate(fn, args.map((a) => a.type));
      } catch (e) {
        throw planError(src, call.span, e instanceof Error ? e.message : String(e));
      }
      const accumulator = acc;
      const evals = args.map((a) => a.eval);
      return [{
        kind: 'agg', variable,
        create: () => accumulator.create() as unknown,
        add: (a, row) => accumulator.add(a, evals.map((f) => f(row))),
        result: (a) => accumulator.result(a),
      }, accumulator.resultType];
    };
    visit(expr);
    const compiled = compileScalar(expr, qp.env(fields, computed));
    const ev = compiled.eval;
    const width = input.fields.length;
    return {
      type: compiled.type,
      eval: (rows) => {
        const current = rows[rows.length - 1]!.row;
        const virtual: unknown[] = new Array(width + slots.length);
        for (let i = 0; i < width; i++) virtual[i] = current[i];
        for (let i = 0; i < slots.length; i++) virtual[width + i] = slotValue(slots[i]!, rows);
        return ev(virtual as Row);
      },
    };
  };

  // DEFINE: one condition per variable; a variable without one accepts every row.
  const conditions: (((rows: readonly MatchedRow[]) => boolean) | null)[] = variables.map(() => null);
  for (const d of ref.define) {
    const v = varIndex(d.variable, d.condition.span);
    const b = bind(d.condition);
    if (b.type.kind !== 'BOOLEAN') throw planError(src, d.condition.span, `DEFINE ${d.variable} must be a BOOLEAN condition, but is ${typeToString(b.type)}`);
    conditions[v] = (rows) => b.eval(rows) === true;
  }

  // MEASURES, evaluated once on the rows of a whole match.
  const measures = ref.measures.map((m, i) => {
    if (m.expr.kind === 'Star') throw planError(src, m.expr.span, '* is not allowed in MEASURES');
    const name = m.alias ?? (m.expr.kind === 'Identifier' ? m.expr.parts[m.expr.parts.length - 1]! : `EXPR$${i}`);
    const b = bind(m.expr);
    const isRowtime = m.expr.kind === 'FunctionCall' && m.expr.name.length === 1 && m.expr.name[0]!.toUpperCase() === 'MATCH_ROWTIME';
    outFields.push({ name, type: isRowtime ? b.type : withoutTimeAttribute(b.type) });
    return b.eval;
  });

  // Without AFTER MATCH, Flink (through Calcite) skips to the next row, not past the last row as the
  // SQL standard says: observed in the golden tests.
  let skip: SkipStrategy = { kind: 'next-row' };
  let skipText = 'SKIP TO NEXT ROW';
  const am = ref.afterMatch;
  if (am) {
    switch (am.kind) {
      case 'PastLastRow': skip = { kind: 'past-last' }; skipText = 'SKIP PAST LAST ROW'; break;
      case 'ToNextRow': break;
      case 'ToFirst': skip = { kind: 'to-first', variable: varIndex(am.variable, ref.span) }; skipText = `SKIP TO FIRST ${am.variable}`; break;
      case 'ToLast': case 'To': skip = { kind: 'to-last', variable: varIndex(am.variable, ref.span) }; skipText = `SKIP TO LAST ${am.variable}`; break;
    }
  }
  const withinMs = ref.within ? intervalMs(ref.within, env, 'WITHIN') : undefined;
  const spec: MatchSpec = { variables, elements, conditions, skip, withinMs };
  const keyFns = partitionBy.map((p) => p.compiled.eval);
  const output = (match: readonly MatchedRow[]): Row => {
    const first = match[0]!.row;
    return [...keyFns.map((k) => k(first)), ...measures.map((m) => m(match))];
  };
  const patternText = elements.map((e) => {
    const n = variables[e.variable]!;
    const inf = e.max === Number.POSITIVE_INFINITY;
    let q = e.min === 0 && inf ? '*' : e.min === 1 && inf ? '+' : e.min === 0 && e.max === 1 ? '?' : e.min === e.max ? (e.min === 1 ? '' : `{${e.min}}`) : `{${e.min},${inf ? '' : e.max}}`;
    if (!e.greedy && q !== '' && q !== '?' && e.min !== e.max) q += '?';
    return `${n}${q}`;
  }).join(' ');
  const text = `Match(partitionBy=[${partitionBy.map((p) => p.text).join(', ')}], orderBy=[${unparse(ob.expr)} ASC], measures=[${ref.measures.map((m, i) => `${unparse(m.expr)} AS ${outFields[partitionBy.length + i]!.name}`).join(', ')}], rowsPerMatch=[ONE ROW PER MATCH], after=[${skipText}], pattern=[${patternText}]${withinMs !== undefined ? `, within=[${withinMs} ms]` : ''}, define=[${ref.define.map((d) => `${d.variable} AS ${unparse(d.condition)}`).join(', ')}])`;
  return { kind: 'MatchRecognize', input, partitionBy, spec, output, text, fields: outFields, updating: false };
}
