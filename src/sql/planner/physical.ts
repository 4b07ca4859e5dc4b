import type { Key } from '../../core/keys.js';
import { WeirError } from '../../core/errors.js';
import type { StreamExecutionEnvironment } from '../../api/environment.js';
import { DataStream } from '../../api/datastream.js';
import { WindowOperator } from '../../windows/window-operator.js';
import type { WindowAssigner } from '../../windows/assigners.js';
import {
  cumulateEventTimeWindows, eventTimeSessionWindows, slidingEventTimeWindows, tumblingEventTimeWindows,
  cumulateProcessingTimeWindows, processingTimeSessionWindows, slidingProcessingTimeWindows, tumblingProcessingTimeWindows,
} from '../../windows/assigners.js';
import { getWindowStartWithOffset } from '../../windows/window.js';
import type { TimeWindow } from '../../windows/window.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { valueKey } from '../types/compare.js';
import { AggregateSet } from '../runtime/aggregates.js';
import { calcChainOperator, calcOperator, calcRowStep, toChangelogOperator } from '../runtime/calc.js';
import type { CalcStage, RowFn } from '../runtime/calc.js';
import { GroupAggregateOperator } from '../runtime/group-aggregate.js';
import { RegularJoinOperator } from '../runtime/join.js';
import { OverAggregateOperator } from '../runtime/over-aggregate.js';
import { TopNOperator } from '../runtime/top-n.js';
import { MatchRecognizeOperator } from '../runtime/match-recognize.js';
import { SqlIntervalJoinOperator } from '../runtime/interval-join.js';
import { TemporalJoinOperator } from '../runtime/temporal-join.js';
import { watermarkAssigner, type WatermarkShape } from '../runtime/watermark-assigner.js';
import { windowAggregateFunction, windowResultFunction } from '../runtime/window-aggregate.js';
import type { CalcRel, PlannedExpr, Rel, ScanRel, WindowAggRel, WindowDef } from './logical.js';
import type { Expr as AExpr } from '../parser/index.js';
import { translateMlPredict } from '../ml/ml-predict.js'; // ML_PREDICT hook
import { translateLookupJoin } from './lookup-join.js'; // lookup join hook
import { translateCorrelate } from './correlate.js'; // LATERAL TABLE hook

type SqlStream = DataStream<Row | ChangeRow>;

/** Types whose values are JS primitives, so a single key of the type is its own key value (see `keyValue`). */
const PLAIN_KEY_KINDS: ReadonlySet<string> = new Set([
  'BOOLEAN', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'CHAR', 'VARCHAR',
  'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP_LTZ', 'INTERVAL_DT', 'INTERVAL_YM',
]);

/** A key of SQL values: primitives as they are, DECIMAL and other objects by their canonical text. */
function keyValue(v: unknown): Key {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return v as Key;
  return valueKey(v);
}

/**
 * One grouping key of a primitive type: its value is its own key, so an aggregate can take it from the
 * operator instead of keeping a copy per group.
 */
function isSinglePlainKey(keys: readonly PlannedExpr[]): boolean {
  return keys.length === 1 && PLAIN_KEY_KINDS.has(keys[0]!.compiled.type.kind);
}

/**
 * The key of one plain column (a primitive type, see `PLAIN_KEY_KINDS`) read in place: the keyed
 * exchange calls it once per row, and `keyValue` of the column's closure gives the same value.
 */
function plainKeySelector(keys: readonly PlannedExpr[]): ((row: Row) => Key) | undefined {
  const c = keys.length === 1 ? keys[0]!.column : undefined;
  if (c === undefined || !PLAIN_KEY_KINDS.has(keys[0]!.compiled.type.kind)) return undefined;
  return (row) => {
    const v = row[c];
    return v === undefined ? null : v as Key;
  };
}

function keySelector(keys: readonly RowFn[]): (row: Row) => Key | Key[] {
  if (keys.length === 0) return () => 0;
  if (keys.length === 1) {
    const k = keys[0]!;
    return (row) => keyValue(k(row));
  }
  return (row) => keys.map((k) => keyValue(k(row)));
}

function assignerFor(w: WindowDef): WindowAssigner<unknown, TimeWindow> {
  if (w.proctime) {
    switch (w.kind) {
      case 'TUMBLE': return tumblingProcessingTimeWindows(w.size, w.offset);
      case 'HOP': return slidingProcessingTimeWindows(w.size, w.slide!, w.offset);
      case 'CUMULATE': return cumulateProcessingTimeWindows(w.step!, w.size, w.offset);
      case 'SESSION': return processingTimeSessionWindows(w.gap!) as WindowAssigner<unknown, TimeWindow>;
    }
  }
  switch (w.kind) {
    case 'TUMBLE': return tumblingEventTimeWindows(w.size, w.offset);
    case 'HOP': return slidingEventTimeWindows(w.size, w.slide!, w.offset);
    case 'CUMULATE': return cumulateEventTimeWindows(w.step!, w.size, w.offset);
    case 'SESSION': return eventTimeSessionWindows(w.gap!) as WindowAssigner<unknown, TimeWindow>;
  }
}

/** The windows a row of a window TVF belongs to, as [start, end] pairs (SESSION excluded). */
export function windowsOf(w: WindowDef, ts: number): [number, number][] {
  switch (w.kind) {
    case 'TUMBLE': {
      const s = getWindowStartWithOffset(ts, w.offset, w.size);
      return [[s, s + w.size]];
    }
    case 'HOP': {
      const out: [number, number][] = [];
      const last = getWindowStartWithOffset(ts, w.offset, w.slide!);
      for (let s = last; s > ts - w.size; s -= w.slide!) out.push([s, s + w.size]);
      return out;
    }
    case 'CUMULATE': {
      const s = getWindowStartWithOffset(ts, w.offset, w.size);
      const out: [number, number][] = [];
      for (let e = getWindowStartWithOffset(ts, w.offset, w.step!) + w.step!; e <= s + w.size; e += w.step!) out.push([s, e]);
      return out;
    }
    case 'SESSION': return [];
  }
}

const fns = (ps: readonly PlannedExpr[]): RowFn[] => ps.map((p) => p.compiled.eval);

/** Whether a WATERMARK expression is `rowtime` or `rowtime ± INTERVAL literal`: it never decreases as the rowtime grows. */
function watermarkShape(e: AExpr | undefined, rowtime: string): WatermarkShape | undefined {
  const isRowtime = (x: AExpr): boolean => x.kind === 'Identifier' && x.parts.length === 1 && x.parts[0] === rowtime;
  if (!e) return undefined;
  if (isRowtime(e)) return 'lagging';
  if (e.kind !== 'Binary' || (e.op !== '-' && e.op !== '+') || !isRowtime(e.left) || e.right.kind !== 'IntervalLiteral') return undefined;
  const back = (e.op === '-') !== (e.right.negative !== e.right.value.trim().startsWith('-'));
  return back ? 'lagging' : 'monotone';
}

/**
 * A table scan: the source, its computed columns, and the watermark operator of its rowtime. `step` is
 * a Calc over the scan that the watermark operator runs in its own loop (see `watermarkAssigner`).
 */
function translateScan(env: StreamExecutionEnvironment, rel: ScanRel, step?: (row: Row) => Row | null): SqlStream {
  const t = rel.table;
  const physical = t.columns.filter((c) => c.kind === 'physical').map((c) => ({ name: c.name, type: c.type }));
  const source = t.connector.createSource!({ table: t.name, columns: physical, options: t.resolvedOptions });
  let s = env.fromSource<Row>(source, undefined, `source(${t.name})`) as SqlStream;
  if (rel.computed.length > 0) {
    const n = rel.physicalCount;
    const projects: RowFn[] = [];
    for (let i = 0; i < n; i++) projects.push((row) => row[i]);
    for (const c of rel.computed) projects.push(c.expr.compiled.eval);
    const columns = [...Array.from({ length: n }, (_x, i) => i), ...rel.computed.map(() => undefined)];
    s = s.transform(`computed(${t.name})`, () => calcOperator(projects, undefined, false, `computed(${t.name})`, columns));
  }
  if (rel.rowtime) {
    const { index, watermark } = rel.rowtime;
    const shape = watermarkShape(t.watermark?.expr, rel.fields[index]!.name);
    // The source above was made for this scan alone, and the computed-column Calc passes its
    // timestamps on: the batches' timestamp arrays are this chain's to fill.
    s = (s as DataStream<Row>).transform(`watermark(${t.name})${step ? '+calc' : ''}`, () => watermarkAssigner(t.name, index, rel.fields[index]!.name, watermark.compiled.eval, shape, true, step)) as SqlStream;
  }
  return s;
}

/** A window aggregation; `columns` picks (and orders) its output columns when a projection was fused into it. */
function translateWindowAggregate(env: StreamExecutionEnvironment, rel: WindowAggRel, columns?: number[]): SqlStream {
  const input = translate(env, rel.input) as DataStream<Row>;
  const keyFns = fns(rel.keys);
  const keyIsValue = isSinglePlainKey(rel.keys);
  const aggs = new AggregateSet(rel.calls, keyFns, !keyIsValue);
  const selector = plainKeySelector(rel.keys) ?? keySelector(keyFns);
  const assigner = assignerFor(rel.window);
  const name = `window-aggregate(${rel.window.kind})${columns ? '+calc' : ''}`;
  return input.keyBy(selector).keyedTransform(name, () => new WindowOperator<Row, Row, any, TimeWindow>({
    assigner, name, keySelector: selector,
    aggregate: windowAggregateFunction(aggs),
    process: windowResultFunction(aggs, keyIsValue, columns),
  })) as SqlStream;
}

/** A Calc without filter whose projection is `[row[0], row[1], …]` of all input columns: rows pass unchanged. */
function isIdentityCalc(c: CalcRel): boolean {
  if (c.filter || !c.projects || c.projects.length !== c.input.fields.length) return false;
  return c.projects.every((p, j) => p.column === j);
}

/**
 * The `window_end` column of window TVF rows (through Calcs), for a window Top-N that must drop
 * rows of already fired windows as Flink does; undefined for any other input.
 */
function windowRowsEnd(rel: Rel): RowFn | undefined {
  let r = rel;
  while (r.kind === 'Calc') r = r.input;
  if (r.kind !== 'WindowTable' || rel.updating) return undefined;
  const at = rel.fields.findIndex((f) => f.name.toLowerCase() === 'window_end');
  return at < 0 ? undefined : (row) => row[at];
}

/** Adds the operators of a planned relation to a job, returning the stream of its rows. */
export function translate(env: StreamExecutionEnvironment, rel: Rel): SqlStream {
  switch (rel.kind) {
    case 'Scan': return translateScan(env, rel);
    case 'Calc': {
      // Consecutive Calcs run as one operator.
      const chain: CalcRel[] = [rel];
      let below = rel.input;
      while (below.kind === 'Calc' && below.updating === rel.input.updating) {
        chain.unshift(below);
        below = below.input;
      }
      // A Calc that only picks columns of a window aggregate (dropping window_time, mostly) is fused into
      // it: the window's result rows are built with those columns, so no second row per result.
      if (below.kind === 'WindowAggregate' && chain.length === 1 && !isIdentityCalc(rel) && !rel.filter && rel.projects?.every((p) => p.column !== undefined)) {
        return translateWindowAggregate(env, below, rel.projects.map((p) => p.column!));
      }
      // A Calc that only lists its input's columns in order (the SELECT over an aggregate, mostly) is skipped.
      const stages: CalcStage[] = chain.filter((c) => !isIdentityCalc(c)).map((c) => ({
        project: c.projects ? fns(c.projects) : undefined,
        filter: c.filter?.compiled.eval,
        columns: c.projects?.map((p) => p.column),
      }));
      // A Calc right over a scan with a rowtime runs inside its watermark operator: one pass over the rows.
      if (stages.length > 0 && below.kind === 'Scan' && below.rowtime && !below.updating) return translateScan(env, below, calcRowStep(stages));
      const input = translate(env, below);
      if (stages.length === 0) return input;
      const updating = below.updating;
      return input.transform('calc', () => calcChainOperator(stages, updating));
    }
    case 'Union': {
      const streams = rel.inputs.map((r) => {
        const s = translate(env, r);
        return rel.updating && !r.updating ? (s as DataStream<Row>).transform('to-changelog', () => toChangelogOperator()) as SqlStream : s;
      });
      return streams[0]!.union(...streams.slice(1));
    }
    case 'WindowTable': {
      if (rel.window.kind === 'SESSION') throw new WeirError('SESSION window rows without aggregation reached the translator', { domain: 'internal' });
      const input = translate(env, rel.input) as DataStream<Row>;
      const w = rel.window;
      const ti = w.timeIndex;
      return input.flatMap((row) => {
        const ts = row[ti] as number;
        return windowsOf(w, ts).map(([s, e]) => [...row, s, e, e - 1]);
      }) as SqlStream;
    }
    case 'WindowAggregate': return translateWindowAggregate(env, rel);
    case 'Join': {
      const left = translate(env, rel.left);
      const right = translate(env, rel.right);
      const lk = keySelector(fns(rel.leftKeys));
      const rk = keySelector(fns(rel.rightKeys));
      const lc = rel.left.updating;
      const rc = rel.right.updating;
      const leftKey = lc ? (v: Row | ChangeRow) => lk((v as ChangeRow).row) : (v: Row | ChangeRow) => lk(v as Row);
      const rightKey = rc ? (v: Row | ChangeRow) => rk((v as ChangeRow).row) : (v: Row | ChangeRow) => rk(v as Row);
      const options = {
        kind: rel.joinType, leftWidth: rel.left.fields.length, rightWidth: rel.right.fields.length,
        condition: rel.condition?.compiled.eval, leftKey, rightKey, leftChangelog: lc, rightChangelog: rc, appendOnly: !rel.updating,
      };
      const id = env.addNode({
        kind: 'two', name: `join(${rel.joinType})`, keyed: true,
        create: () => new RegularJoinOperator(options),
        inputs: [left.edge({ kind: 'hash', key: leftKey }), right.edge({ kind: 'hash', key: rightKey })],
      });
      return new DataStream<Row | ChangeRow>(env, id);
    }
    case 'IntervalJoin': {
      const left = translate(env, rel.left) as DataStream<Row>;
      const right = translate(env, rel.right) as DataStream<Row>;
      const leftKey = keySelector(fns(rel.leftKeys));
      const rightKey = keySelector(fns(rel.rightKeys));
      const cond = rel.condition?.compiled.eval;
      const { lower, upper } = rel;
      const id = env.addNode({
        kind: 'two', name: 'interval-join', keyed: true,
        create: () => new SqlIntervalJoinOperator({ lower, upper, leftKey, rightKey, condition: cond }),
        inputs: [left.edge({ kind: 'hash', key: leftKey }), right.edge({ kind: 'hash', key: rightKey })],
      });
      return new DataStream<Row | ChangeRow>(env, id);
    }
    case 'TemporalJoin': {
      const left = translate(env, rel.left) as DataStream<Row>;
      const right = translate(env, rel.right) as DataStream<Row>;
      const leftKey = keySelector(fns(rel.leftKeys));
      const rightKey = keySelector(fns(rel.rightKeys));
      const options = { leftOuter: rel.leftOuter, rightWidth: rel.right.fields.length, leftKey, rightKey, condition: rel.condition?.compiled.eval };
      const id = env.addNode({
        kind: 'two', name: 'temporal-join', keyed: true,
        create: () => new TemporalJoinOperator(options),
        inputs: [left.edge({ kind: 'hash', key: leftKey }), right.edge({ kind: 'hash', key: rightKey })],
      });
      return new DataStream<Row | ChangeRow>(env, id);
    }
    case 'TopN': {
      const input = translate(env, rel.input);
      const sel = keySelector(fns(rel.partitionBy));
      const changelog = rel.input.updating;
      const selector = changelog ? (v: Row | ChangeRow) => sel((v as ChangeRow).row) : (v: Row | ChangeRow) => sel(v as Row);
      const sort = rel.orderBy.map((o) => ({ fn: o.expr.compiled.eval, desc: o.desc, nullsLast: o.nullsLast }));
      const { limit, newWinsTies } = rel;
      const windowEnd = windowRowsEnd(rel.input);
      return input.keyBy(selector).keyedTransform('top-n', () => new TopNOperator(sort, limit, changelog, newWinsTies, windowEnd)) as SqlStream;
    }
    case 'OverAggregate': {
      const input = translate(env, rel.input) as DataStream<Row>;
      const keyFns = fns(rel.partitionBy);
      const aggs = new AggregateSet(rel.calls, keyFns);
      const frame = rel.frame;
      return input.keyBy(keySelector(keyFns)).keyedTransform('over-aggregate', () => new OverAggregateOperator(aggs, frame)) as SqlStream;
    }
    case 'MatchRecognize': {
      const input = translate(env, rel.input) as DataStream<Row>;
      const { spec, output } = rel;
      return input.keyBy(keySelector(fns(rel.partitionBy))).keyedTransform('match-recognize', () => new MatchRecognizeOperator(spec, output)) as SqlStream;
    }
    case 'MlPredict': return translateMlPredict(translate(env, rel.input) as DataStream<Row>, rel) as SqlStream; // ML_PREDICT hook
    case 'LookupJoin': return translateLookupJoin(translate(env, rel.input) as DataStream<Row>, rel) as SqlStream; // lookup join hook
    case 'Correlate': return translateCorrelate(translate(env, rel.input), rel); // LATERAL TABLE hook
    case 'GroupAggregate': {
      const input = translate(env, rel.input);
      const keyFns = fns(rel.keys);
      const keyIsValue = isSinglePlainKey(rel.keys);
      const aggs = new AggregateSet(rel.calls, keyFns, !keyIsValue);
      const sel = plainKeySelector(rel.keys) ?? keySelector(keyFns);
      const changelog = rel.input.updating;
      const selector = changelog ? (v: Row | ChangeRow) => sel((v as ChangeRow).row) : (v: Row | ChangeRow) => sel(v as Row);
      return input.keyBy(selector).keyedTransform('group-aggregate', () => new GroupAggregateOperator(aggs, changelog, 'group-aggregate', keyIsValue)) as SqlStream;
    }
  }
}
