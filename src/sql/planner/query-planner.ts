import type * as A from '../parser/index.js';
import { parseExpression, quoteIdent, unparse } from '../parser/index.js';
import type { Catalog, CatalogTable, CatalogView } from '../catalog/index.js';
import { Scope } from '../expr/scope.js';
import type { ComputedColumn, ScopeField } from '../expr/scope.js';
import type { FunctionCatalog } from '../functions/catalog.js';
import { T, leastRestrictive, withoutTimeAttribute, typeToString } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import type { AggCall } from '../runtime/aggregates.js';
import type { OverFrame } from '../runtime/over-aggregate.js';
import { compileScalar, intervalMs } from './expr-bridge.js';
import type { ExprEnv } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import { walkRel } from './logical.js';
import { planMatchRecognize } from './match-recognize.js';
import type { PlannedExpr, Rel, ScanRel, WindowDef, WindowTableRel } from './logical.js';
import { isMlPredict, planMlPredict } from '../ml/ml-predict.js'; // ML_PREDICT hook
import { isLookupJoin, planLookupJoin } from './lookup-join.js'; // lookup join hook
import { isCorrelate, planCorrelate } from './correlate.js'; // LATERAL TABLE hook
import { hasGroupWindow, planGroupWindow } from './group-window.js'; // group window hook
import type { AggregateOptions } from '../functions/define.js';

/** What the query planner needs from the session. */
export interface PlannerContext {
  catalog: Catalog;
  functions: FunctionCatalog;
  timeZone: string;
}

type Ctes = ReadonlyMap<string, { query: A.Query; columns?: string[] | undefined }>;

const WINDOW_COLUMNS = ['window_start', 'window_end', 'window_time'];

/** Rewrites the fields of a relation to be qualified by `alias` (and renamed by a column list). */
function relabel(rel: Rel, alias: string | undefined, columns?: string[]): Rel {
  if (alias === undefined && !columns) return rel;
  const fields = rel.fields.map((f, i) => {
    const nf: ScopeField = { name: columns?.[i] ?? f.name, type: f.type };
    const t = alias ?? f.table;
    if (t !== undefined) nf.table = t;
    return nf;
  });
  return { ...rel, fields } as Rel;
}

function timeAttr(t: SqlType): SqlType {
  return { ...T.timestamp(3, false), timeAttribute: 'ROWTIME' as const, ...(t.kind === 'TIMESTAMP_LTZ' ? { kind: 'TIMESTAMP_LTZ' as const } : {}) };
}

/** Plans queries of one script against a catalog. */
export class QueryPlanner {
  constructor(readonly ctx: PlannerContext, readonly source: string) {}

  env(fields: readonly ScopeField[], computed?: ComputedColumn[]): ExprEnv {
    return {
      scope: new Scope([...fields], computed ? { computed } : {}),
      functions: this.ctx.functions,
      source: this.source,
      timeZone: this.ctx.timeZone,
    };
  }

  planned(expr: A.Expr, env: ExprEnv): PlannedExpr {
    const p: PlannedExpr = { compiled: compileScalar(expr, env), text: unparse(expr) };
    const computed = env.scope.lookupComputed(expr);
    if (computed) p.column = computed.index;
    else if (expr.kind === 'Identifier') {
      const r = env.scope.resolve(expr.parts, expr.span);
      if (r.consumed === expr.parts.length) p.column = r.index;
    }
    return p;
  }

  // ------------------------------------------------------------------ queries

  /** Plans a whole query and checks what only the finished plan shows. */
  planTop(q: A.Query): Rel {
    const rel = this.planQuery(q);
    walkRel(rel, (r) => {
      if (r.kind === 'WindowTable' && r.window.kind === 'SESSION') {
        throw unsupported(this.source, r.window.span, 'SESSION window rows without GROUP BY window_start, window_end', 'aggregate the session windows');
      }
    });
    return rel;
  }

  planQuery(q: A.Query, outer: Ctes = new Map()): Rel {
    let ctes = outer;
    if (q.with.length > 0) {
      const m = new Map(outer);
      for (const c of q.with) m.set(c.name, { query: c.query, columns: c.columns });
      ctes = m;
    }
    if (q.orderBy.length > 0) throw unsupported(this.source, q.orderBy[0]!.expr.span, 'ORDER BY on a streaming query', 'Flink only sorts on an ascending time attribute; drop the ORDER BY');
    if (q.limit) throw unsupported(this.source, q.limit.span, 'LIMIT');
    return this.planBody(q.body, ctes);
  }

  planBody(body: A.QueryBody, ctes: Ctes): Rel {
    switch (body.kind) {
      case 'Query': return this.planQuery(body, ctes);
      case 'Select': return this.planSelect(body, ctes);
      case 'SetOperation': {
        if (body.op !== 'UNION' || !body.all) throw unsupported(this.source, body.span, `${body.op}${body.all ? ' ALL' : ''}`, 'UNION ALL is supported');
        const left = this.planBody(body.left, ctes);
        const right = this.planBody(body.right, ctes);
        if (left.fields.length !== right.fields.length) {
          throw planError(this.source, body.span, `Set operator cannot combine ${left.fields.length} and ${right.fields.length} columns`);
        }
        const common = left.fields.map((f, i) => {
          const g = right.fields[i]!;
          if (withoutTimeAttribute(f.type).kind === withoutTimeAttribute(g.type).kind) return undefined;
          const t = leastRestrictive([f.type, g.type]);
          if (!t) throw planError(this.source, body.span, `UNION ALL column ${i + 1} has type ${typeToString(f.type)} on the left and ${typeToString(g.type)} on the right`, 'CAST one side so both have the same type');
          return t;
        });
        const l = this.widenColumns(left, common, body.span);
        const r = this.widenColumns(right, common, body.span);
        const inputs = [...(l.kind === 'Union' ? l.inputs : [l]), ...(r.kind === 'Union' ? r.inputs : [r])];
        return { kind: 'Union', inputs, fields: l.fields.map((f, i) => ({ name: f.name, type: r.fields[i]!.type.nullable ? { ...f.type, nullable: true } : f.type })), updating: inputs.some((x) => x.updating) };
      }
      case 'Values': throw unsupported(this.source, body.span, 'VALUES');
    }
  }

  /**
   * One UNION ALL input with the columns whose type kind differs cast to the common type, as Flink
   * widens them (INT and BIGINT to BIGINT, CHAR and VARCHAR to VARCHAR).
   */
  widenColumns(rel: Rel, common: (SqlType | undefined)[], span: A.Span): Rel {
    const casts = common.map((t, i) => (t && withoutTimeAttribute(rel.fields[i]!.type).kind !== t.kind ? t : undefined));
    if (casts.every((t) => t === undefined)) return rel;
    const names = rel.fields.map((f) => f.name.toLowerCase());
    if (new Set(names).size !== names.length) throw planError(this.source, span, 'UNION ALL needs a CAST to a common column type, but an input has duplicate column names', 'CAST the columns so both sides have the same type');
    const env = this.env(rel.fields);
    const projects = rel.fields.map((f, i) => {
      const t = casts[i];
      const text = t ? `CAST(${quoteIdent(f.name)} AS ${typeToString({ ...t, nullable: true })})` : quoteIdent(f.name);
      return this.planned(parseExpression(text), env);
    });
    return { kind: 'Calc', input: rel, fields: rel.fields.map((f, i) => ({ name: f.name, type: projects[i]!.compiled.type })), updating: rel.updating, projects };
  }

  // ------------------------------------------------------------------ FROM

  planTableRef(ref: A.TableRef, ctes: Ctes): Rel {
    switch (ref.kind) {
      case 'NamedTable': {
        if (ref.forSystemTime) throw unsupported(this.source, ref.span, 'FOR SYSTEM_TIME AS OF (temporal join)');
        const rel = this.planNamed(ref.name, ref.span, ctes);
        return relabel(rel, ref.alias?.name ?? ref.name[ref.name.length - 1], ref.alias?.columns);
      }
      case 'DerivedTable': {
        if (ref.lateral) throw unsupported(this.source, ref.span, 'LATERAL subqueries');
        const rel = this.planQuery(ref.query, ctes);
        return relabel(rel, ref.alias?.name, ref.alias?.columns);
      }
      case 'ParenTable': return relabel(this.planTableRef(ref.inner, ctes), ref.alias?.name);
      case 'TableFunction': {
        if (isMlPredict(ref)) return relabel(planMlPredict(this, ref, ctes), ref.alias?.name, ref.alias?.columns); // ML_PREDICT hook
        const rel = this.planWindowTvf(ref, ctes);
        return relabel(rel, ref.alias?.name, ref.alias?.columns);
      }
      case 'Join': return this.planJoin(ref, ctes);
      case 'Unnest': throw unsupported(this.source, ref.span, 'UNNEST');
      case 'MatchRecognize': return relabel(planMatchRecognize(this, ref, this.planTableRef(ref.input, ctes)), ref.alias?.name, ref.alias?.columns);
    }
  }

  planNamed(name: string[], span: A.Span, ctes: Ctes): Rel {
    const last = name[name.length - 1]!;
    if (name.length === 1) {
      const cte = ctes.get(last);
      if (cte) {
        const inner = new Map(ctes);
        inner.delete(last);
        return relabel(this.planQuery(cte.query, inner), last, cte.columns);
      }
    }
    const obj = this.ctx.catalog.get(last);
    if (!obj) {
      const known = this.ctx.catalog.names();
      throw planError(this.source, span, `Object '${name.join('.')}' not found`, known.length ? `known tables and views: ${known.join(', ')}` : 'create it with CREATE TABLE first');
    }
    if (obj.kind === 'view') return this.planView(obj);
    if (!obj.connector.createSource) throw planError(this.source, span, `table '${last}' cannot be read as a stream: connector '${obj.connector.name}' only supports ${obj.connector.createLookup ? 'lookups' : 'writes'}`, obj.connector.createLookup ? `use it on the right of a lookup join: JOIN ${last} FOR SYSTEM_TIME AS OF probe.proc_time AS d ON d.key = probe.key` : undefined);
    return this.planScan(obj);
  }

  planView(view: CatalogView): Rel {
    const inner = new QueryPlanner(this.ctx, view.source);
    return relabel(inner.planQuery(view.query), view.name, view.columns);
  }

  planScan(table: CatalogTable): ScanRel {
    const physical = table.columns.filter((c) => c.kind === 'physical');
    const physFields: ScopeField[] = physical.map((c) => ({ name: c.name, type: c.type, table: table.name }));
    // Connector rows hold the physical columns; computed ones are appended in declaration order.
    const computedCols = table.columns.filter((c) => c.kind === 'computed');
    const fields: ScopeField[] = [...physFields];
    const computed: ScanRel['computed'] = [];
    const ddlSource = this.source;
    for (const c of computedCols) {
      const env = this.env(physFields);
      let pe: PlannedExpr;
      try {
        pe = this.planned(c.expr!, env);
      } catch (e) {
        throw positioned(e, ddlSource);
      }
      computed.push({ index: fields.length, expr: pe });
      fields.push({ name: c.name, type: c.type, table: table.name });
    }
    const rel: ScanRel = { kind: 'Scan', table, fields, updating: false, physicalCount: physFields.length, computed };
    if (table.watermark) {
      const idx = fields.findIndex((f) => f.name === table.watermark!.column);
      const wm = this.planned(table.watermark.expr, this.env(fields));
      rel.rowtime = { index: idx, watermark: wm };
    }
    return rel;
  }

  planJoin(ref: A.JoinRef, ctes: Ctes): Rel {
    if (isCorrelate(this, ref)) return planCorrelate(this, ref, this.planTableRef(ref.left, ctes)); // LATERAL TABLE hook
    if (ref.joinType === 'CROSS' || ref.joinType === 'COMMA') throw unsupported(this.source, ref.span, `${ref.joinType === 'COMMA' ? 'comma' : 'CROSS'} JOIN`, 'write an equi-join: a JOIN b ON a.k = b.k');
    if (ref.using) throw unsupported(this.source, ref.span, 'JOIN ... USING', 'write the condition with ON');
    if (!ref.on) throw planError(this.source, ref.span, 'JOIN needs an ON condition');
    const left = this.planTableRef(ref.left, ctes);
    if (ref.right.kind === 'NamedTable' && ref.right.forSystemTime) return this.planTemporalJoin(ref, ref.right, left, ctes);
    const right = this.planTableRef(ref.right, ctes);
    const joinType = ref.joinType;
    const nullL = joinType === 'RIGHT' || joinType === 'FULL';
    const nullR = joinType === 'LEFT' || joinType === 'FULL';
    const strip = (f: ScopeField, nullable: boolean): ScopeField => {
      const t = withoutTimeAttribute(f.type);
      return { ...f, type: nullable ? { ...t, nullable: true } : t };
    };
    const fields = [...left.fields.map((f) => strip(f, nullL)), ...right.fields.map((f) => strip(f, nullR))];
    const conjuncts: A.Expr[] = [];
    const split = (e: A.Expr): void => {
      if (e.kind === 'Binary' && e.op === 'AND') { split(e.left); split(e.right); } else conjuncts.push(e);
    };
    split(ref.on);
    const leftEnv = this.env(left.fields);
    const rightEnv = this.env(right.fields);
    const only = (e: A.Expr, env: ExprEnv): boolean => {
      try {
        compileScalar(e, env);
        return true;
      } catch {
        return false;
      }
    };
    const leftKeys: PlannedExpr[] = [];
    const rightKeys: PlannedExpr[] = [];
    const rest: A.Expr[] = [];
    for (const c of conjuncts) {
      if (c.kind === 'Binary' && c.op === '=') {
        if (only(c.left, leftEnv) && only(c.right, rightEnv)) { leftKeys.push(this.planned(c.left, leftEnv)); rightKeys.push(this.planned(c.right, rightEnv)); continue; }
        if (only(c.right, leftEnv) && only(c.left, rightEnv)) { leftKeys.push(this.planned(c.right, leftEnv)); rightKeys.push(this.planned(c.left, rightEnv)); continue; }
      }
      rest.push(c);
    }
    if (leftKeys.length === 0) throw unsupported(this.source, ref.on.span, 'a join without an equality between the two sides', 'add a condition such as a.k = b.k');
    const interval = this.intervalBounds(rest, left, right);
    if (interval) {
      if (joinType !== 'INNER') throw unsupported(this.source, ref.span, `${joinType} interval join`, 'weir runs inner interval joins');
      if (left.updating || right.updating) throw unsupported(this.source, ref.span, 'an interval join of updating inputs');
      // A rowtime stays a time attribute through an interval join (the output is insert-only).
      const timeFields = [...left.fields.map((f) => ({ ...f, type: nullL ? { ...f.type, nullable: true } : f.type })), ...right.fields];
      const rel: Rel = { kind: 'IntervalJoin', left, right, leftKeys, rightKeys, lower: interval.lower, upper: interval.upper, boundsText: interval.text, fields: timeFields, updating: false };
      if (interval.rest.length > 0) {
        const cond = interval.rest.reduce((a, b) => ({ kind: 'Binary', op: 'AND', left: a, right: b, span: a.span }) as A.Expr);
        rel.condition = this.planned(cond, this.env(fields));
      }
      return rel;
    }
    const rel: Rel = { kind: 'Join', joinType, left, right, leftKeys, rightKeys, fields, updating: joinType !== 'INNER' || left.updating || right.updating };
    if (rest.length > 0) {
      const cond = rest.reduce((a, b) => ({ kind: 'Binary', op: 'AND', left: a, right: b, span: a.span }) as A.Expr);
      rel.condition = this.planned(cond, this.env(fields));
    }
    return rel;
  }

  planTemporalJoin(ref: A.JoinRef, rightRef: A.NamedTableRef, left: Rel, ctes: Ctes): Rel {
    const asOf = rightRef.forSystemTime!;
    if (isLookupJoin(this, asOf, rightRef, left)) return planLookupJoin(this, ref, rightRef, left); // lookup join hook
    if (ref.joinType !== 'INNER' && ref.joinType !== 'LEFT') throw unsupported(this.source, ref.span, `${ref.joinType} temporal join`, 'temporal joins are INNER or LEFT');
    const tableName = rightRef.name[rightRef.name.length - 1]!;
    const obj = this.ctx.catalog.get(tableName);
    if (!obj || obj.kind !== 'table') throw planError(this.source, rightRef.span, `Temporal table '${tableName}' must be a table with a primary key and a watermark`);
    if (asOf.kind !== 'Identifier') throw planError(this.source, asOf.span, 'FOR SYSTEM_TIME AS OF needs a time attribute column of the left table');
    const leftScope = new Scope([...left.fields]);
    let lt;
    try {
      lt = leftScope.resolve(asOf.parts, asOf.span);
    } catch (e) {
      throw positioned(e, this.source);
    }
    if (lt.type.timeAttribute !== 'ROWTIME') throw planError(this.source, asOf.span, `FOR SYSTEM_TIME AS OF needs a time attribute, but '${unparse(asOf)}' is ${typeToString(lt.type)}`);
    if (!obj.primaryKey) throw planError(this.source, rightRef.span, 'Temporal Table Join requires primary key in versioned table, but no primary key can be found.', `declare PRIMARY KEY (...) NOT ENFORCED on ${tableName}`);
    if (!obj.watermark) throw planError(this.source, rightRef.span, `Event-time temporal table join requires both sides to have a rowtime; '${tableName}' has no WATERMARK`);
    const right = relabel(this.planScan(obj), rightRef.alias?.name ?? tableName, rightRef.alias?.columns);
    if (!ref.on) throw planError(this.source, ref.span, 'a temporal join needs an ON condition on the primary key');
    const conjuncts: A.Expr[] = [];
    const split = (e: A.Expr): void => {
      if (e.kind === 'Binary' && e.op === 'AND') { split(e.left); split(e.right); } else conjuncts.push(e);
    };
    split(ref.on);
    const leftEnv = this.env(left.fields);
    const rightEnv = this.env(right.fields);
    const leftKeys: PlannedExpr[] = [];
    const rightKeys: PlannedExpr[] = [];
    const rest: A.Expr[] = [];
    const pkIndex = (e: A.Expr): number => {
      if (e.kind !== 'Identifier') return -1;
      try {
        const i = rightEnv.scope.resolve(e.parts).index;
        return obj.primaryKey!.includes(right.fields[i]!.name) ? i : -1;
      } catch {
        return -1;
      }
    };
    const keyed = new Set<number>();
    for (const c of conjuncts) {
      if (c.kind === 'Binary' && c.op === '=') {
        const [l, r] = pkIndex(c.right) >= 0 ? [c.left, c.right] : pkIndex(c.left) >= 0 ? [c.right, c.left] : [undefined, undefined];
        if (l && r) {
          try {
            const lp = this.planned(l, leftEnv);
            leftKeys.push(lp);
            rightKeys.push(this.planned(r, rightEnv));
            keyed.add(pkIndex(r));
            continue;
          } catch { /* not a left-side expression */ }
        }
      }
      rest.push(c);
    }
    if (keyed.size !== obj.primaryKey.length) {
      throw planError(this.source, ref.on.span, `Temporal table join requires an equality condition on the primary key of '${tableName}' (${obj.primaryKey.join(', ')})`);
    }
    const fields = [...left.fields, ...right.fields.map((f) => ({ ...f, type: { ...withoutTimeAttribute(f.type), ...(ref.joinType === 'LEFT' ? { nullable: true } : {}) } }))];
    const rel: Rel = { kind: 'TemporalJoin', left, right, leftKeys, rightKeys, leftOuter: ref.joinType === 'LEFT', asOf: unparse(asOf), fields, updating: false };
    if (left.updating) throw unsupported(this.source, ref.span, 'a temporal join with an updating left input');
    if (rest.length > 0) {
      const cond = rest.reduce((a, b) => ({ kind: 'Binary', op: 'AND', left: a, right: b, span: a.span }) as A.Expr);
      rel.condition = this.planned(cond, this.env(fields));
    }
    void ctes;
    return rel;
  }

  /**
   * Time bounds between the rowtimes of both sides (`l.ts BETWEEN r.ts - INTERVAL … AND r.ts + INTERVAL …`,
   * or two comparisons): as `lower <= right.ts - left.ts <= upper` in ms, with the remaining conjuncts.
   */
  intervalBounds(conjuncts: A.Expr[], left: Rel, right: Rel): { lower: number; upper: number; rest: A.Expr[]; text: string } | undefined {
    const lt = left.fields.findIndex((f) => f.type.timeAttribute === 'ROWTIME');
    const rt = right.fields.findIndex((f) => f.type.timeAttribute === 'ROWTIME');
    if (lt < 0 || rt < 0) return undefined;
    const side = (e: A.Expr): { side: 'l' | 'r'; offset: number } | undefined => {
      // time column, optionally +/- a constant interval
      let offset = 0;
      let col = e;
      if (e.kind === 'Binary' && (e.op === '+' || e.op === '-') && e.right.kind === 'IntervalLiteral') {
        const env = this.env([]);
        const c = compileScalar(e.right, env);
        offset = (c.eval([]) as number) * (e.op === '-' ? -1 : 1);
        col = e.left;
      }
      if (col.kind !== 'Identifier') return undefined;
      const tryRes = (rel: Rel, idx: number): boolean => {
        try {
          return new Scope([...rel.fields]).resolve(col.kind === 'Identifier' ? col.parts : []).index === idx;
        } catch {
          return false;
        }
      };
      if (tryRes(left, lt)) return { side: 'l', offset };
      if (tryRes(right, rt)) return { side: 'r', offset };
      return undefined;
    };
    let lower = Number.NEGATIVE_INFINITY;
    let upper = Number.POSITIVE_INFINITY;
    const used: A.Expr[] = [];
    // Records `a.t + ao  op  b.t + bo` as a bound on d = right.ts - left.ts.
    const bound = (a: { side: 'l' | 'r'; offset: number }, op: string, b: { side: 'l' | 'r'; offset: number }): boolean => {
      if (a.side === b.side) return false;
      // normalise to l.t + lo (op) r.t + ro
      const [l, r, o] = a.side === 'l' ? [a, b, op] : [b, a, ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[op]!];
      // l.t + l.o <= r.t + r.o  <=>  d >= l.o - r.o
      const k = l.offset - r.offset;
      if (o === '<=') lower = Math.max(lower, k);
      else if (o === '<') lower = Math.max(lower, k + 1);
      else if (o === '>=') upper = Math.min(upper, k);
      else if (o === '>') upper = Math.min(upper, k - 1);
      else return false;
      return true;
    };
    const rest: A.Expr[] = [];
    for (const c of conjuncts) {
      if (c.kind === 'Between' && !c.not && !c.symmetric) {
        const x = side(c.operand);
        const lo = side(c.low);
        const hi = side(c.high);
        if (x && lo && hi && lo.side === hi.side && x.side !== lo.side && bound(lo, '<=', x) && bound(x, '<=', hi)) { used.push(c); continue; }
      }
      if (c.kind === 'Binary' && ['<', '<=', '>', '>='].includes(c.op)) {
        const a = side(c.left);
        const b = side(c.right);
        if (a && b && bound(a, c.op, b)) { used.push(c); continue; }
      }
      rest.push(c);
    }
    if (used.length === 0) return undefined;
    if (!Number.isFinite(lower) || !Number.isFinite(upper)) {
      throw unsupported(this.source, used[0]!.span, 'an interval join bounded on one side only', 'bound the time difference on both sides, e.g. l.ts BETWEEN r.ts - INTERVAL \'1\' MINUTE AND r.ts');
    }
    return { lower, upper, rest, text: used.map((u) => unparse(u)).join(' AND ') };
  }

  // ------------------------------------------------------------------ window TVFs

  planWindowTvf(ref: A.TableFunctionRef, ctes: Ctes): WindowTableRel {
    const call = ref.call;
    const fname = call.name.join('.').toUpperCase();
    if (!['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'].includes(fname)) {
      throw unsupported(this.source, ref.span, `table function ${fname}`);
    }
    if (ref.lateral) throw unsupported(this.source, ref.span, `LATERAL ${fname}`);
    const kind = fname as WindowDef['kind'];
    const positional: A.Expr[] = [];
    const named = new Map<string, A.Expr>();
    for (const a of call.args) {
      if (a.kind === 'NamedArgument') named.set(a.name.toUpperCase(), a.value);
      else positional.push(a);
    }
    const order: Record<WindowDef['kind'], string[]> = {
      TUMBLE: ['DATA', 'TIMECOL', 'SIZE', 'OFFSET'],
      HOP: ['DATA', 'TIMECOL', 'SLIDE', 'SIZE', 'OFFSET'],
      CUMULATE: ['DATA', 'TIMECOL', 'STEP', 'SIZE', 'OFFSET'],
      SESSION: ['DATA', 'TIMECOL', 'GAP'],
    };
    const params = order[kind];
    if (positional.length > params.length) throw planError(this.source, call.span, `${kind} takes at most ${params.length} arguments: ${params.join(', ')}`);
    positional.forEach((a, i) => named.set(params[i]!, a));
    for (const k of named.keys()) {
      if (!params.includes(k)) throw planError(this.source, call.span, `${kind} has no parameter ${k}`, `parameters: ${params.join(', ')}`);
    }
    const need = (p: string): A.Expr => {
      const e = named.get(p);
      if (!e) throw planError(this.source, call.span, `${kind} needs the ${p} argument`, `${kind}(${params.join(', ')})`);
      return e;
    };
    const data = need('DATA');
    let input: Rel;
    let partitionBy: A.Expr[] = [];
    if (data.kind === 'TableArgument') {
      input = relabel(this.planNamed(data.table, data.span, ctes), data.table[data.table.length - 1]);
      partitionBy = data.partitionBy;
      if (data.orderBy.length > 0) throw unsupported(this.source, data.span, 'ORDER BY in a table argument');
    } else if (data.kind === 'Subquery') {
      input = this.planQuery(data.query, ctes);
    } else {
      throw planError(this.source, data.span, `the first argument of ${kind} must be TABLE name or a subquery`);
    }
    if (input.updating) throw planError(this.source, data.span, `${kind} needs an insert-only input, but its input produces updates`);
    const timecol = need('TIMECOL');
    if (timecol.kind !== 'Descriptor' || timecol.columns.length !== 1) {
      throw planError(this.source, timecol.span, `the time column of ${kind} must be DESCRIPTOR(column)`);
    }
    const colName = timecol.columns[0]!;
    const timeIndex = input.fields.findIndex((f) => f.name === colName);
    if (timeIndex < 0) throw planError(this.source, timecol.span, `Column '${colName}' not found in the input of ${kind}`, `columns: ${input.fields.map((f) => f.name).join(', ')}`);
    const timeType = input.fields[timeIndex]!.type;
    if (timeType.timeAttribute !== 'ROWTIME' && timeType.timeAttribute !== 'PROCTIME') {
      throw planError(this.source, timecol.span, `The window function requires the timecol is a time attribute type, but is ${typeToString(timeType)}.`, `declare WATERMARK FOR ${colName} AS ... on the table`);
    }
    const env = this.env(input.fields);
    const window: WindowDef = { kind, size: 0, offset: 0, timeIndex, timeColumn: colName, partitionKeys: [], span: ref.span };
    if (timeType.timeAttribute === 'PROCTIME') window.proctime = true;
    if (kind === 'SESSION') {
      window.gap = intervalMs(need('GAP'), env, 'the session gap');
      window.size = window.gap;
      for (const p of partitionBy) {
        if (p.kind !== 'Identifier') throw unsupported(this.source, p.span, 'PARTITION BY an expression');
        const i = input.fields.findIndex((f) => f.name === p.parts[p.parts.length - 1]);
        if (i < 0) throw planError(this.source, p.span, `Column '${unparse(p)}' not found`);
        window.partitionKeys.push(i);
      }
    } else {
      if (partitionBy.length > 0) throw planError(this.source, data.span, `${kind} does not take PARTITION BY`);
      window.size = intervalMs(need('SIZE'), env, 'the window size');
      if (kind === 'HOP') {
        window.slide = intervalMs(need('SLIDE'), env, 'the window slide');
      }
      if (kind === 'CUMULATE') {
        window.step = intervalMs(need('STEP'), env, 'the window step');
        if (window.size % window.step !== 0) throw planError(this.source, call.span, `CUMULATE requires the max size to be a multiple of the step (${window.size} ms, ${window.step} ms)`);
      }
      const off = named.get('OFFSET');
      if (off) {
        const c = compileScalar(off, env);
        if (!c.isConstant || c.type.kind !== 'INTERVAL_DT') throw planError(this.source, off.span, 'OFFSET must be a constant interval');
        window.offset = c.eval([]) as number;
      }
    }
    const wt = window.proctime ? timeType : timeAttr(timeType);
    const fields: ScopeField[] = [
      ...input.fields.map((f, i) => (i === timeIndex ? { ...f, type: withoutTimeAttribute(f.type) } : f)),
      { name: 'window_start', type: T.timestamp(3, false) },
      { name: 'window_end', type: T.timestamp(3, false) },
      { name: 'window_time', type: wt },
    ];
    return { kind: 'WindowTable', input, window, fields, updating: false };
  }

  // ------------------------------------------------------------------ SELECT

  isAggregateCall(e: A.Expr): boolean {
    return e.kind === 'FunctionCall' && e.over === undefined && e.name.length === 1 && this.ctx.functions.aggregate(e.name[0]!) !== undefined;
  }

  /** Aggregate calls in an expression (not looking inside other aggregate calls). */
  collectAggregates(e: A.Expr, out: A.FunctionCall[], overs?: A.FunctionCall[]): void {
    if (this.isAggregateCall(e)) { out.push(e as A.FunctionCall); return; }
    if (e.kind === 'FunctionCall' && e.over !== undefined) {
      if (overs) { overs.push(e); return; }
      throw planError(this.source, e.span, 'OVER windows are only allowed in the SELECT list');
    }
    if (e.kind === 'Subquery' || e.kind === 'Exists' || e.kind === 'InSubquery') {
      throw unsupported(this.source, e.span, 'subqueries in expressions');
    }
    for (const v of Object.values(e)) {
      if (v && typeof v === 'object') {
        if (Array.isArray(v)) for (const x of v) { if (x && typeof x === 'object' && 'kind' in x && 'span' in x) this.collectAggregates(x as A.Expr, out, overs); else if (x && typeof x === 'object' && 'when' in x) { this.collectAggregates((x as { when: A.Expr }).when, out, overs); this.collectAggregates((x as { then: A.Expr }).then, out, overs); } }
        else if ('kind' in v && 'span' in v && (v as { kind: string }).kind !== 'WindowSpec') this.collectAggregates(v as A.Expr, out, overs);
      }
    }
  }

  expandItems(sel: A.Select, input: Rel): { expr: A.Expr; name: string }[] {
    const out: { expr: A.Expr; name: string }[] = [];
    sel.items.forEach((item, i) => {
      if (item.expr.kind === 'Star') {
        const q = item.expr.qualifier;
        const fs = input.fields.filter((f) => q.length === 0 || f.table === q[q.length - 1]);
        if (fs.length === 0) throw planError(this.source, item.expr.span, `Unknown table '${q.join('.')}' in ${q.join('.')}.*`);
        for (const f of fs) {
          const parts = f.table !== undefined ? [f.table, f.name] : [f.name];
          out.push({ expr: { kind: 'Identifier', parts, span: item.expr.span }, name: f.name });
        }
        return;
      }
      const name = item.alias ?? (item.expr.kind === 'Identifier' ? item.expr.parts[item.expr.parts.length - 1]! : `EXPR$${i}`);
      out.push({ expr: item.expr, name });
    });
    return out;
  }

  /** `ROW_NUMBER() … AS rn` selects mapped to the N of an outer `WHERE rn <= N`. */
  private readonly rankLimits = new Map<A.Select, number>();

  /** Finds `rn <= N` (or `< N`, `= 1`) on the ROW_NUMBER column of a subquery in FROM; returns WHERE without it. */
  extractRankLimit(sel: A.Select): A.Expr | undefined {
    const where = sel.where;
    if (!where || sel.from?.kind !== 'DerivedTable') return where;
    let q: A.Query | A.QueryBody = sel.from.query;
    while (q.kind === 'Query' && q.with.length === 0 && q.orderBy.length === 0 && !q.limit) q = q.body;
    if (q.kind !== 'Select') return where;
    const inner = q;
    const rn = inner.items.find((it) => it.alias && it.expr.kind === 'FunctionCall' && it.expr.over !== undefined && it.expr.name.join('.').toUpperCase() === 'ROW_NUMBER');
    if (!rn) return where;
    const conjuncts: A.Expr[] = [];
    const split = (e: A.Expr): void => {
      if (e.kind === 'Binary' && e.op === 'AND') { split(e.left); split(e.right); } else conjuncts.push(e);
    };
    split(where);
    let limit: number | undefined;
    const rest = conjuncts.filter((c) => {
      if (limit !== undefined || c.kind !== 'Binary' || !['<=', '<', '='].includes(c.op)) return true;
      if (c.left.kind !== 'Identifier' || c.left.parts[c.left.parts.length - 1] !== rn.alias || c.right.kind !== 'NumberLiteral') return true;
      const n = Number(c.right.value);
      if (!Number.isInteger(n)) return true;
      if (c.op === '=' && n !== 1) throw unsupported(this.source, c.span, `${rn.alias} = ${n} (a rank other than 1)`, `filter with ${rn.alias} <= N`);
      limit = c.op === '<' ? n - 1 : n;
      return false;
    });
    if (limit === undefined) return where;
    if (limit < 1) throw planError(this.source, where.span, `the rank filter keeps no rows (${rn.alias} < 1)`);
    this.rankLimits.set(inner, limit);
    if (rest.length === 0) return undefined;
    return rest.reduce((a, b) => ({ kind: 'Binary', op: 'AND', left: a, right: b, span: a.span }) as A.Expr);
  }

  planSelect(sel0: A.Select, ctes: Ctes): Rel {
    if (!sel0.from) throw unsupported(this.source, sel0.span, 'SELECT without FROM');
    const where = this.extractRankLimit(sel0);
    const sel: A.Select = { ...sel0 };
    if (where) sel.where = where;
    else delete sel.where;
    // `FROM a, b WHERE …` is an inner join on the WHERE condition.
    if (sel.from!.kind === 'Join' && sel.from!.joinType === 'COMMA' && sel.where) {
      sel.from = { ...sel.from!, joinType: 'INNER', on: sel.where };
      delete sel.where;
    }
    let input = this.planTableRef(sel.from!, ctes);
    if (sel.where) {
      const wa: A.FunctionCall[] = [];
      this.collectAggregates(sel.where, wa);
      if (wa.length > 0) throw planError(this.source, wa[0]!.span, 'Aggregate functions are not allowed in WHERE', 'use HAVING');
      const env = this.env(input.fields);
      const filter = this.planned(sel.where, env);
      if (filter.compiled.type.kind !== 'BOOLEAN' && filter.compiled.type.kind !== 'NULL') {
        throw planError(this.source, sel.where.span, `WHERE clause must be a condition, but has type ${typeToString(filter.compiled.type)}`);
      }
      if (input.kind === 'WindowTable') {
        // Filter the TVF's input when the condition only reads input columns, so windowed aggregation still applies.
        const tvf = input;
        const refsWindow = this.mentionsWindowColumn(sel.where, tvf);
        if (!refsWindow) {
          const inner = { kind: 'Calc' as const, input: tvf.input, fields: tvf.input.fields, updating: false, filter: this.planned(sel.where, this.env(tvf.input.fields)) };
          input = { ...tvf, input: inner };
        } else input = { kind: 'Calc', input, fields: input.fields, updating: input.updating, filter };
      } else input = { kind: 'Calc', input, fields: input.fields, updating: input.updating, filter };
    }
    const items = this.expandItems(sel, input);
    const aggs: A.FunctionCall[] = [];
    const overs: A.FunctionCall[] = [];
    for (const it of items) this.collectAggregates(it.expr, aggs, overs);
    if (overs.length > 0) {
      if (aggs.length > 0 || sel.groupBy.length > 0 || sel.having || sel.distinct) throw unsupported(this.source, overs[0]!.span, 'OVER aggregation together with GROUP BY or plain aggregates');
      return this.planOver(input, overs, items, sel.windows, this.rankLimits.get(sel0));
    }
    if (sel.having) this.collectAggregates(sel.having, aggs);
    for (const g of sel.groupBy) {
      if (g.kind === 'GroupingSets' || g.kind === 'Rollup' || g.kind === 'Cube' || g.kind === 'EmptyGroup') throw unsupported(this.source, g.span, 'GROUPING SETS / ROLLUP / CUBE');
    }
    const groupBy = sel.groupBy as A.Expr[];
    if (groupBy.length === 0 && aggs.length === 0) {
      if (sel.having) throw planError(this.source, sel.having.span, 'HAVING needs GROUP BY or an aggregate');
      if (sel.distinct) return this.planGroup(input, items.map((i) => i.expr), [], items, undefined, true);
      return this.project(input, items);
    }
    if (sel.distinct) throw unsupported(this.source, sel.span, 'SELECT DISTINCT with GROUP BY');
    if (hasGroupWindow(groupBy)) return planGroupWindow(this, input, groupBy, items, sel.having); // group window hook
    if (input.kind === 'WindowTable' && this.isWindowGrouping(groupBy, input)) {
      return this.planWindowAggregate(input, groupBy, aggs, items, sel.having);
    }
    return this.planGroup(input, groupBy, aggs, items, sel.having, false);
  }

  resolveWindow(over: A.WindowSpec | string, named: A.NamedWindow[], span: A.Span): A.WindowSpec {
    let spec: A.WindowSpec;
    if (typeof over === 'string') {
      const w = named.find((n) => n.name === over);
      if (!w) throw planError(this.source, span, `Window '${over}' is not defined`, 'define it with WINDOW name AS (...)');
      spec = w.spec;
    } else spec = over;
    if (spec.base !== undefined) {
      const base = this.resolveWindow(spec.base, named, span);
      spec = { ...base, ...(spec.partitionBy.length ? { partitionBy: spec.partitionBy } : {}), ...(spec.orderBy.length ? { orderBy: spec.orderBy } : {}), ...(spec.frame ? { frame: spec.frame } : {}) };
    }
    return spec;
  }

  planOver(input: Rel, overs: A.FunctionCall[], items: { expr: A.Expr; name: string }[], named: A.NamedWindow[], rankLimit: number | undefined): Rel {
    const specs = overs.map((o) => this.resolveWindow(o.over!, named, o.span));
    const rankCall = overs.find((o) => o.name.join('.').toUpperCase() === 'ROW_NUMBER');
    if (rankCall) return this.planTopN(input, rankCall, specs[overs.indexOf(rankCall)]!, overs, items, rankLimit);
    if (input.updating) throw unsupported(this.source, overs[0]!.span, 'OVER aggregation over an updating input');
    const key = (w: A.WindowSpec): string => JSON.stringify([w.partitionBy.map((e) => unparse(e)), w.orderBy.map((o) => [unparse(o.expr), o.direction ?? 'ASC']), w.frame ? [w.frame.unit, w.frame.start.kind, w.frame.start.kind === 'Preceding' ? unparse(w.frame.start.offset) : '', w.frame.end?.kind ?? 'CurrentRow'] : null]);
    const spec = specs[0]!;
    specs.forEach((w, i) => {
      if (key(w) !== key(spec)) throw unsupported(this.source, overs[i]!.span, 'OVER windows with different definitions in one query', 'Flink also allows only one OVER window per query');
    });
    const env = this.env(input.fields);
    if (spec.orderBy.length !== 1) throw planError(this.source, overs[0]!.span, 'OVER windows must be ordered by exactly one time attribute');
    const ob = spec.orderBy[0]!;
    if (ob.direction === 'DESC') throw unsupported(this.source, ob.expr.span, 'OVER ... ORDER BY time DESC');
    if (ob.expr.kind !== 'Identifier') throw planError(this.source, ob.expr.span, 'OVER windows must be ordered by a time attribute column');
    let col;
    try {
      col = env.scope.resolve(ob.expr.parts, ob.expr.span);
    } catch (e) {
      throw positioned(e, this.source);
    }
    if (col.type.timeAttribute !== 'ROWTIME') {
      if (col.type.timeAttribute === 'PROCTIME') throw unsupported(this.source, ob.expr.span, 'processing-time OVER windows');
      throw planError(this.source, ob.expr.span, `OVER windows must be ordered by a time attribute, but '${unparse(ob.expr)}' is ${typeToString(col.type)}`, 'order by the column of the table\'s WATERMARK');
    }
    const fr = spec.frame;
    let frame: OverFrame;
    let frameText: string;
    if (!fr || (fr.start.kind === 'UnboundedPreceding' && (!fr.end || fr.end.kind === 'CurrentRow'))) {
      frame = fr?.unit === 'ROWS' ? { kind: 'rows-unbounded' } : { kind: 'range-unbounded' };
      frameText = `${fr?.unit ?? 'RANGE'} BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`;
    } else if (fr.start.kind === 'Preceding' && (!fr.end || fr.end.kind === 'CurrentRow')) {
      if (fr.unit === 'ROWS') {
        const c = compileScalar(fr.start.offset, env);
        const n = c.isConstant ? Number(c.eval([])) : NaN;
        if (!Number.isInteger(n) || n < 0) throw planError(this.source, fr.start.offset.span, 'ROWS n PRECEDING needs a whole number n >= 0');
        frame = { kind: 'rows', preceding: n };
      } else {
        frame = { kind: 'range', precedingMs: intervalMs(fr.start.offset, env, 'RANGE ... PRECEDING') };
      }
      frameText = `${fr.unit} BETWEEN ${unparse(fr.start.offset)} PRECEDING AND CURRENT ROW`;
    } else {
      throw unsupported(this.source, overs[0]!.span, `OVER frame ${fr.unit} with ${fr.start.kind}${fr.end ? ` .. ${fr.end.kind}` : ''}`, 'weir runs frames that end at CURRENT ROW');
    }
    for (const o of overs) {
      if (!this.isAggregateCall({ ...o, over: undefined } as A.Expr)) throw unsupported(this.source, o.span, `${o.name.join('.').toUpperCase()} OVER (...)`, 'ROW_NUMBER/RANK (Top-N, deduplication) are not supported yet');
    }
    const plain = overs.map((o) => ({ ...o, over: undefined }) as A.FunctionCall);
    const calls = this.aggCalls(plain, env);
    const partitionBy = spec.partitionBy.map((p) => this.planned(p, env));
    const base = input.fields.length;
    const fields: ScopeField[] = [...input.fields];
    const computed: ComputedColumn[] = [];
    calls.forEach((c, i) => {
      fields.push({ name: `$over${i}`, type: c.accumulator.resultType });
      computed.push({ expr: overs[i]!, index: base + i, type: c.accumulator.resultType });
    });
    const rel: Rel = { kind: 'OverAggregate', input, partitionBy, orderBy: unparse(ob.expr), frame, frameText, calls, fields, updating: false };
    const calcEnv = this.env(fields, computed);
    const projects = items.map((it) => this.planned(it.expr, calcEnv));
    return { kind: 'Calc', input: rel, fields: items.map((it, i) => ({ name: it.name, type: projects[i]!.compiled.type })), updating: false, projects };
  }

  planTopN(input: Rel, call: A.FunctionCall, spec: A.WindowSpec, overs: A.FunctionCall[], items: { expr: A.Expr; name: string }[], limit: number | undefined): Rel {
    if (overs.length > 1) throw unsupported(this.source, overs.find((o) => o !== call)!.span, 'other OVER functions next to ROW_NUMBER');
    if (call.args.length > 0) throw planError(this.source, call.span, 'ROW_NUMBER takes no arguments');
    if (limit === undefined) {
      throw unsupported(this.source, call.span, 'ROW_NUMBER without a rank filter', 'wrap the query: SELECT * FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM t) WHERE rn <= N');
    }
    if (spec.orderBy.length === 0) throw planError(this.source, call.span, 'ROW_NUMBER needs ORDER BY in its OVER clause');
    if (spec.frame) throw planError(this.source, call.span, 'ROW_NUMBER does not take a window frame');
    const env = this.env(input.fields);
    const partitionBy = spec.partitionBy.map((p) => this.planned(p, env));
    const orderBy = spec.orderBy.map((o) => ({ expr: this.planned(o.expr, env), desc: o.direction === 'DESC', nullsLast: o.nulls ? o.nulls === 'LAST' : o.direction === 'DESC' }));
    const firstType = orderBy[0]!.expr.compiled.type;
    // Deduplication keeping the last row: a newer row with the same time replaces the kept one.
    const newWinsTies = orderBy.length === 1 && orderBy[0]!.desc && firstType.timeAttribute !== undefined;
    const base = input.fields.length;
    const fields: ScopeField[] = [...input.fields.map((f) => ({ ...f, type: withoutTimeAttribute(f.type) })), { name: '$rank', type: T.bigint(false) }];
    const rel: Rel = {
      kind: 'TopN', input, partitionBy, orderBy, limit, newWinsTies, fields, updating: true,
      orderText: spec.orderBy.map((o) => `${unparse(o.expr)}${o.direction === 'DESC' ? ' DESC' : ' ASC'}`).join(', '),
    };
    const calcEnv = this.env(fields, [{ expr: call, index: base, type: T.bigint(false) }]);
    const projects = items.map((it) => this.planned(it.expr, calcEnv));
    return { kind: 'Calc', input: rel, fields: items.map((it, i) => ({ name: it.name, type: projects[i]!.compiled.type })), updating: true, projects };
  }

  mentionsWindowColumn(e: A.Expr, tvf: WindowTableRel): boolean {
    const base = tvf.input.fields.length;
    let found = false;
    const visit = (x: unknown): void => {
      if (found || !x || typeof x !== 'object') return;
      if (Array.isArray(x)) { x.forEach(visit); return; }
      const n = x as { kind?: string; parts?: string[] };
      if (n.kind === 'Identifier' && n.parts) {
        const r = new Scope([...tvf.fields]);
        try {
          if (r.resolve(n.parts).index >= base) found = true;
        } catch { /* reported when compiled */ }
        return;
      }
      for (const v of Object.values(x)) visit(v);
    };
    visit(e);
    return found;
  }

  isWindowGrouping(groupBy: A.Expr[], tvf: WindowTableRel): boolean {
    const base = tvf.input.fields.length;
    const names = new Set<string>();
    const scope = new Scope([...tvf.fields]);
    for (const g of groupBy) {
      if (g.kind !== 'Identifier') continue;
      try {
        const r = scope.resolve(g.parts);
        if (r.index >= base) names.add(WINDOW_COLUMNS[r.index - base]!);
      } catch { /* reported later */ }
    }
    return names.has('window_start') && names.has('window_end');
  }

  project(input: Rel, items: { expr: A.Expr; name: string }[]): Rel {
    const env = this.env(input.fields);
    const projects = items.map((it) => this.planned(it.expr, env));
    const fields: ScopeField[] = items.map((it, i) => {
      const f: ScopeField = { name: it.name, type: projects[i]!.compiled.type };
      return f;
    });
    // A projection that keeps every column in place is dropped.
    const identity = projects.length === input.fields.length && items.every((it, i) => {
      if (it.expr.kind !== 'Identifier' || input.fields[i]!.name !== fields[i]!.name) return false;
      try {
        return env.scope.resolve(it.expr.parts).index === i;
      } catch {
        return false;
      }
    });
    if (identity && input.kind !== 'WindowTable') return { ...input, fields } as Rel;
    if (input.kind === 'Calc' && !input.projects) {
      return { kind: 'Calc', input: input.input, fields, updating: input.updating, projects, ...(input.filter ? { filter: input.filter } : {}) };
    }
    return { kind: 'Calc', input, fields, updating: input.updating, projects };
  }

  aggCalls(calls: A.FunctionCall[], env: ExprEnv, options: AggregateOptions = {}): AggCall[] {
    return calls.map((c) => {
      const name = c.name[0]!.toUpperCase();
      const argExprs = c.args.filter((a) => a.kind !== 'Star');
      if (c.args.some((a) => a.kind === 'Star') && name !== 'COUNT') throw planError(this.source, c.span, `${name}(*) is not valid; only COUNT(*) takes *`);
      const args = argExprs.map((a) => compileScalar(a, env));
      let accumulator;
      try {
        accumulator = this.ctx.functions.resolveAggregate(name, args.map((a) => a.type), options);
      } catch (e) {
        throw planError(this.source, c.span, e instanceof Error ? e.message : String(e), (e as { hint?: string }).hint);
      }
      const call: AggCall = { accumulator, args: args.map((a) => a.eval), distinct: c.distinct, text: unparse(c) };
      if (c.filter) call.filter = compileScalar(c.filter, env).eval;
      return call;
    });
  }

  /** The SELECT list and HAVING over an aggregate's output, where keys and aggregate calls are columns. */
  finish(agg: Rel, computed: ComputedColumn[], items: { expr: A.Expr; name: string }[], having: A.Expr | undefined, inputFields: readonly ScopeField[]): Rel {
    const env = this.env(agg.fields, computed);
    const projects = items.map((it) => {
      try {
        return this.planned(it.expr, env);
      } catch (e) {
        const err = positioned(e, this.source);
        // A column that exists below the aggregate but is neither grouped nor aggregated.
        throw err instanceof Error && /not found/.test(err.message) && this.existsIn(it.expr, inputFields)
          ? planError(this.source, it.expr.span, `Expression '${unparse(it.expr)}' is not being grouped`, 'add it to GROUP BY or wrap it in an aggregate')
          : err;
      }
    });
    const fields: ScopeField[] = items.map((it, i) => ({ name: it.name, type: projects[i]!.compiled.type }));
    const calc: Rel = { kind: 'Calc', input: agg, fields, updating: agg.updating, projects };
    if (having) calc.filter = this.planned(having, env);
    return calc;
  }

  existsIn(e: A.Expr, fields: readonly ScopeField[]): boolean {
    let found = false;
    const visit = (x: unknown): void => {
      if (found || !x || typeof x !== 'object') return;
      if (Array.isArray(x)) { x.forEach(visit); return; }
      const n = x as { kind?: string; parts?: string[] };
      if (n.kind === 'Identifier' && n.parts) { if (fields.some((f) => f.name === n.parts![n.parts!.length - 1])) found = true; return; }
      for (const v of Object.values(x)) visit(v);
    };
    visit(e);
    return found;
  }

  planGroup(input0: Rel, groupBy: A.Expr[], aggs: A.FunctionCall[], items: { expr: A.Expr; name: string }[], having: A.Expr | undefined, distinct: boolean): Rel {
    const input = input0;
    const env = this.env(input.fields);
    const keys = groupBy.map((g) => this.planned(g, env));
    const calls = this.aggCalls(aggs, env, { retraction: input.updating });
    const fields: ScopeField[] = [];
    const computed: ComputedColumn[] = [];
    keys.forEach((k, i) => {
      const g = groupBy[i]!;
      const name = g.kind === 'Identifier' ? g.parts[g.parts.length - 1]! : `$f${i}`;
      const f: ScopeField = { name, type: withoutTimeAttribute(k.compiled.type) };
      if (g.kind === 'Identifier' && g.parts.length === 2) f.table = g.parts[0]!;
      else if (g.kind === 'Identifier') {
        const src = input.fields.find((x) => x.name === name);
        if (src?.table !== undefined) f.table = src.table;
      }
      fields.push(f);
      computed.push({ expr: g, index: i, type: f.type });
    });
    calls.forEach((c, i) => {
      fields.push({ name: `$agg${i}`, type: c.accumulator.resultType });
      computed.push({ expr: aggs[i]!, index: keys.length + i, type: c.accumulator.resultType });
    });
    const agg: Rel = { kind: 'GroupAggregate', input, keys, calls, fields, updating: true };
    if (distinct) return { ...agg, fields: items.map((it, i) => ({ name: it.name, type: fields[i]!.type })) } as Rel;
    return this.finish(agg, computed, items, having, input.fields);
  }

  planWindowAggregate(tvf: WindowTableRel, groupBy: A.Expr[], aggs: A.FunctionCall[], items: { expr: A.Expr; name: string }[], having: A.Expr | undefined): Rel {
    const base = tvf.input.fields.length;
    const env = this.env(tvf.fields);
    const scope = env.scope;
    const keyExprs: A.Expr[] = [];
    for (const g of groupBy) {
      if (g.kind === 'Identifier') {
        try {
          if (scope.resolve(g.parts).index >= base) continue;
        } catch (e) {
          throw positioned(e, this.source);
        }
      }
      if (this.mentionsWindowColumn(g, tvf)) throw unsupported(this.source, g.span, 'grouping by an expression of window columns');
      keyExprs.push(g);
    }
    const keys = keyExprs.map((g) => this.planned(g, env));
    for (const a of aggs) {
      if (this.mentionsWindowColumn(a, tvf)) throw unsupported(this.source, a.span, 'aggregating window columns');
    }
    const calls = this.aggCalls(aggs, env, { merging: tvf.window.kind === 'SESSION' });
    const fields: ScopeField[] = [];
    const computed: ComputedColumn[] = [];
    keys.forEach((k, i) => {
      const g = keyExprs[i]!;
      const name = g.kind === 'Identifier' ? g.parts[g.parts.length - 1]! : `$f${i}`;
      const f: ScopeField = { name, type: withoutTimeAttribute(k.compiled.type) };
      const src = g.kind === 'Identifier' ? tvf.fields.find((x) => x.name === name) : undefined;
      if (src?.table !== undefined) f.table = src.table;
      fields.push(f);
      computed.push({ expr: g, index: i, type: f.type });
    });
    for (let w = 0; w < 3; w++) {
      const src = tvf.fields[base + w]!;
      fields.push({ ...src });
    }
    calls.forEach((c, i) => {
      fields.push({ name: `$agg${i}`, type: c.accumulator.resultType });
      computed.push({ expr: aggs[i]!, index: keys.length + 3 + i, type: c.accumulator.resultType });
    });
    const agg: Rel = { kind: 'WindowAggregate', input: tvf.input, window: tvf.window, keys, calls, fields, updating: false };
    return this.finish(agg, computed, items, having, tvf.fields);
  }
}
