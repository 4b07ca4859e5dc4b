import type { CatalogTable } from '../catalog/index.js';
import type { Span } from '../parser/index.js';
import type { ScopeField } from '../expr/scope.js';
import type { SqlType } from '../types/sql-type.js';
import { typeToString } from '../types/sql-type.js';
import type { AggCall } from '../runtime/aggregates.js';
import type { OverFrame } from '../runtime/over-aggregate.js';
import type { CompiledExpr } from './expr-bridge.js';
import type { MlPredictRel } from '../ml/ml-predict.js'; // ML_PREDICT hook
import type { LookupJoinRel } from './lookup-join.js'; // lookup join hook
import type { CorrelateRel } from './correlate.js'; // LATERAL TABLE hook
import type { Row } from '../../connectors/registry.js';
import type { MatchedRow, MatchSpec } from '../runtime/match-recognize.js';

/** A compiled expression with the SQL text it came from (shown in plans). */
export interface PlannedExpr {
  compiled: CompiledExpr;
  text: string;
  /** Set when the expression just reads this input column. */
  column?: number;
}

/** A window table function's parameters, in ms. */
export interface WindowDef {
  kind: 'TUMBLE' | 'HOP' | 'CUMULATE' | 'SESSION';
  size: number;
  slide?: number;
  step?: number;
  gap?: number;
  offset: number;
  /** Column of the time attribute in the TVF's input. */
  timeIndex: number;
  timeColumn: string;
  /** Windows over a processing-time attribute: assigned and fired by the wall clock, not by watermarks. */
  proctime?: boolean;
  /** SESSION (TABLE t PARTITION BY k, …): positions of the partition keys. */
  partitionKeys: number[];
  /** Where the TVF was written, for errors. */
  span?: Span;
}

interface RelBase {
  fields: ScopeField[];
  /** True when the relation is a changelog with updates (-U/+U/-D), false when insert-only. */
  updating: boolean;
}

export interface ScanRel extends RelBase {
  kind: 'Scan';
  table: CatalogTable;
  /** Number of physical columns (the connector's row width); computed ones follow. */
  physicalCount: number;
  computed: { index: number; expr: PlannedExpr }[];
  rowtime?: { index: number; watermark: PlannedExpr };
}

export interface CalcRel extends RelBase {
  kind: 'Calc';
  input: Rel;
  projects?: PlannedExpr[];
  filter?: PlannedExpr;
}

export interface UnionRel extends RelBase {
  kind: 'Union';
  inputs: Rel[];
}

/** A window TVF whose rows are used as they are (not aggregated): each row once per window. */
export interface WindowTableRel extends RelBase {
  kind: 'WindowTable';
  input: Rel;
  window: WindowDef;
}

export interface WindowAggRel extends RelBase {
  kind: 'WindowAggregate';
  input: Rel;
  window: WindowDef;
  keys: PlannedExpr[];
  calls: AggCall[];
}

export interface GroupAggRel extends RelBase {
  kind: 'GroupAggregate';
  input: Rel;
  keys: PlannedExpr[];
  calls: AggCall[];
}

/** A regular equi-join: rows are `left ++ right`; `leftKeys[i] = rightKeys[i]` plus a residual condition. */
export interface JoinRel extends RelBase {
  kind: 'Join';
  joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  left: Rel;
  right: Rel;
  leftKeys: PlannedExpr[];
  rightKeys: PlannedExpr[];
  condition?: PlannedExpr;
}

/** OVER aggregation ordered by the rowtime: rows are `input ++ aggregates`. */
export interface OverRel extends RelBase {
  kind: 'OverAggregate';
  input: Rel;
  partitionBy: PlannedExpr[];
  orderBy: string;
  frame: OverFrame;
  frameText: string;
  calls: AggCall[];
}

/** Top-N / deduplication per partition: rows are `input ++ [rank]`, an updating result. */
export interface TopNRel extends RelBase {
  kind: 'TopN';
  input: Rel;
  partitionBy: PlannedExpr[];
  orderBy: { expr: PlannedExpr; desc: boolean; nullsLast: boolean }[];
  orderText: string;
  limit: number;
  newWinsTies: boolean;
}

/** A time-bounded inner equi-join: `lower <= right.ts - left.ts <= upper` (ms); rows are `left ++ right`. */
export interface IntervalJoinRel extends RelBase {
  kind: 'IntervalJoin';
  left: Rel;
  right: Rel;
  leftKeys: PlannedExpr[];
  rightKeys: PlannedExpr[];
  lower: number;
  upper: number;
  boundsText: string;
  condition?: PlannedExpr;
}

/** An event-time temporal join against a versioned table: rows are `left ++ right version`. */
export interface TemporalJoinRel extends RelBase {
  kind: 'TemporalJoin';
  left: Rel;
  right: Rel;
  leftKeys: PlannedExpr[];
  rightKeys: PlannedExpr[];
  leftOuter: boolean;
  asOf: string;
  condition?: PlannedExpr;
}

// MATCH_RECOGNIZE (planned in ./match-recognize.ts)
/** MATCH_RECOGNIZE, ONE ROW PER MATCH: rows are `partition keys ++ measures`, one per match. */
export interface MatchRecognizeRel extends RelBase {
  kind: 'MatchRecognize';
  input: Rel;
  partitionBy: PlannedExpr[];
  spec: MatchSpec;
  /** Builds the output row of a match. */
  output: (match: readonly MatchedRow[]) => Row;
  /** The plan line. */
  text: string;
}

export type Rel = CorrelateRel | LookupJoinRel | MlPredictRel | MatchRecognizeRel | TemporalJoinRel | IntervalJoinRel | TopNRel | OverRel | ScanRel | CalcRel | UnionRel | WindowTableRel | WindowAggRel | GroupAggRel | JoinRel;

/** Where a query's rows go. */
export interface SinkTarget {
  /** `INSERT INTO t`, or a SELECT's result. */
  kind: 'table' | 'collect';
  table?: CatalogTable;
  name: string;
  query: Rel;
}

const fmtMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export function describeWindow(w: WindowDef): string {
  const parts = [`time_col=[${w.timeColumn}]`];
  if (w.kind === 'TUMBLE') parts.push(`size=[${fmtMs(w.size)}]`);
  if (w.kind === 'HOP') parts.push(`slide=[${fmtMs(w.slide!)}]`, `size=[${fmtMs(w.size)}]`);
  if (w.kind === 'CUMULATE') parts.push(`step=[${fmtMs(w.step!)}]`, `max_size=[${fmtMs(w.size)}]`);
  if (w.kind === 'SESSION') parts.push(`gap=[${fmtMs(w.gap!)}]`);
  if (w.offset !== 0) parts.push(`offset=[${fmtMs(w.offset)}]`);
  return `${w.kind}(${parts.join(', ')})`;
}

function fieldList(fields: readonly { name: string }[]): string {
  return fields.map((f) => f.name).join(', ');
}

function relLine(rel: Rel): string {
  switch (rel.kind) {
    case 'Scan': {
      const wm = rel.rowtime ? `, watermark=[${rel.fields[rel.rowtime.index]!.name}, ${rel.rowtime.watermark.text}]` : '';
      return `TableScan(table=[${rel.table.name}], fields=[${fieldList(rel.fields)}]${wm})`;
    }
    case 'Calc': {
      const parts: string[] = [];
      if (rel.projects) parts.push(`select=[${rel.projects.map((p, i) => (p.text === rel.fields[i]!.name ? p.text : `${p.text} AS ${rel.fields[i]!.name}`)).join(', ')}]`);
      if (rel.filter) parts.push(`where=[${rel.filter.text}]`);
      return `Calc(${parts.join(', ')})`;
    }
    case 'Union': return `Union(all=[true], fields=[${fieldList(rel.fields)}])`;
    case 'WindowTable': return `WindowTableFunction(window=[${describeWindow(rel.window)}])`;
    case 'WindowAggregate':
      return `WindowAggregate(window=[${describeWindow(rel.window)}], groupBy=[${rel.keys.map((k) => k.text).join(', ')}], select=[${fieldList(rel.fields)}], aggs=[${rel.calls.map((c) => c.text).join(', ')}])`;
    case 'Join': {
      const keys = rel.leftKeys.map((k, i) => `${k.text} = ${rel.rightKeys[i]!.text}`).join(' AND ');
      return `Join(joinType=[${rel.joinType}], where=[${[keys, rel.condition?.text].filter((x) => x).join(' AND ') || 'true'}], select=[${fieldList(rel.fields)}])`;
    }
    case 'IntervalJoin': {
      const keys = rel.leftKeys.map((k, i) => `${k.text} = ${rel.rightKeys[i]!.text}`).join(' AND ');
      return `IntervalJoin(joinType=[INNER], where=[${[keys, rel.boundsText, rel.condition?.text].filter((x) => x).join(' AND ')}], bounds=[${rel.lower} ms, ${rel.upper} ms], select=[${fieldList(rel.fields)}])`;
    }
    case 'TemporalJoin': {
      const keys = rel.leftKeys.map((k, i) => `${k.text} = ${rel.rightKeys[i]!.text}`).join(' AND ');
      return `TemporalJoin(joinType=[${rel.leftOuter ? 'LEFT' : 'INNER'}], asOf=[${rel.asOf}], where=[${[keys, rel.condition?.text].filter((x) => x).join(' AND ')}], select=[${fieldList(rel.fields)}])`;
    }
    case 'TopN':
      return `Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=${rel.limit}], partitionBy=[${rel.partitionBy.map((k) => k.text).join(', ')}], orderBy=[${rel.orderText}], select=[${fieldList(rel.fields)}])`;
    case 'OverAggregate':
      return `OverAggregate(partitionBy=[${rel.partitionBy.map((k) => k.text).join(', ')}], orderBy=[${rel.orderBy} ASC], window=[${rel.frameText}], select=[${fieldList(rel.fields)}], aggs=[${rel.calls.map((c) => c.text).join(', ')}])`;
    case 'MatchRecognize': return rel.text;
    case 'MlPredict': return rel.text; // ML_PREDICT hook
    case 'LookupJoin': return rel.text; // lookup join hook
    case 'Correlate': return rel.text; // LATERAL TABLE hook
    case 'GroupAggregate':
      return `GroupAggregate(groupBy=[${rel.keys.map((k) => k.text).join(', ')}], select=[${fieldList(rel.fields)}], aggs=[${rel.calls.map((c) => c.text).join(', ')}], changelog=[I,UB,UA,D])`;
  }
}

function children(rel: Rel): Rel[] {
  switch (rel.kind) {
    case 'Scan': return [];
    case 'Union': return rel.inputs;
    case 'Join': case 'IntervalJoin': case 'TemporalJoin': return [rel.left, rel.right];
    default: return [rel.input];
  }
}

/** Every relation of a plan, depth first. */
export function walkRel(rel: Rel, visit: (r: Rel) => void): void {
  visit(rel);
  for (const c of children(rel)) walkRel(c, visit);
}

/** The logical plan as an indented tree, Flink's `EXPLAIN` style. */
export function explainRel(rel: Rel, indent = ''): string {
  const lines = [`${indent}${relLine(rel)}`];
  const kids = children(rel);
  const childIndent = indent === '' ? '+- ' : indent.replace(/\+- $/, '   ').replace(/:- $/, ':  ') + '+- ';
  kids.forEach((k, i) => {
    const pre = i < kids.length - 1 ? childIndent.replace(/\+- $/, ':- ') : childIndent;
    lines.push(explainRel(k, pre));
  });
  return lines.join('\n');
}

/** `name TYPE` list of a result, as DESCRIBE prints types. */
export function describeFields(fields: readonly { name: string; type: SqlType }[]): string {
  return fields.map((f) => `${f.name} ${typeToString(f.type)}`).join(', ');
}
