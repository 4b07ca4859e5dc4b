/**
 * Lookup joins (Flink's processing-time temporal join against a lookup source): each probe row reads
 * the current rows of its key from an external table through the table connector's `createLookup`.
 */
import { WeirError } from '../../core/errors.js';
import { lookupConfig } from '../../connectors/registry.js';
import type { ConnectorContext, LookupConfig } from '../../connectors/registry.js';
import type * as A from '../parser/index.js';
import { unparse } from '../parser/index.js';
import type { CatalogTable } from '../catalog/index.js';
import { Scope } from '../expr/scope.js';
import type { ScopeField } from '../expr/scope.js';
import { isCharacter, isIntegerKind, typeToString, withoutTimeAttribute } from '../types/sql-type.js';
import { compileScalar } from './expr-bridge.js';
import type { ExprEnv } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import type { PlannedExpr, Rel } from './logical.js';
import type { QueryPlanner } from './query-planner.js';
import type { DataStream } from '../../api/datastream.js';
import type { Row } from '../../connectors/registry.js';
import { LookupJoinOperator } from '../runtime/lookup-join.js';

/** Flink's default of `table.exec.async-lookup.buffer-capacity`. */
const DEFAULT_BUFFER_CAPACITY = 100;

/**
 * `probe JOIN dim FOR SYSTEM_TIME AS OF probe.proc [AS d] ON d.k = probe.x [AND …]`: rows are
 * `probe ++ dim`, dim columns NULL for unmatched probe rows of a LEFT join.
 */
export interface LookupJoinRel {
  kind: 'LookupJoin';
  input: Rel;
  fields: ScopeField[];
  updating: false;
  table: CatalogTable;
  leftOuter: boolean;
  /** Physical columns of `table` that the lookup keys give values for, in key order. */
  keyColumns: string[];
  /** Per key column: the probe expression whose value is looked up. */
  keys: PlannedExpr[];
  /** Computed columns of `table`, evaluated on the physical row read (appended in declaration order). */
  computed: PlannedExpr[];
  /** ON conditions that are not lookup keys, over `probe ++ dim`: applied after the lookup. */
  condition?: PlannedExpr;
  config: LookupConfig;
  /** Lookup calls in flight at once with `'lookup.async' = 'true'`. */
  bufferCapacity: number;
  text: string;
}

function isProctime(asOf: A.Expr, left: Rel): boolean {
  if (asOf.kind === 'FunctionCall') return asOf.name.length === 1 && asOf.name[0]!.toUpperCase() === 'PROCTIME' && asOf.args.length === 0;
  if (asOf.kind !== 'Identifier') return false;
  try {
    return new Scope([...left.fields]).resolve(asOf.parts).type.timeAttribute === 'PROCTIME';
  } catch {
    return false; // reported by the temporal join planner
  }
}

/**
 * True when a `FOR SYSTEM_TIME AS OF` join is a lookup join: the AS OF is a processing-time attribute of
 * the probe side (or `PROCTIME()`), or the table can only be looked up (then the AS OF must be one).
 */
export function isLookupJoin(planner: QueryPlanner, asOf: A.Expr, rightRef: A.NamedTableRef, left: Rel): boolean {
  if (isProctime(asOf, left)) return true;
  const obj = planner.ctx.catalog.get(rightRef.name[rightRef.name.length - 1]!);
  return obj?.kind === 'table' && obj.connector.createLookup !== undefined && obj.connector.createSource === undefined;
}

/** The physical columns of a table as its connector sees them. */
function connectorContext(table: CatalogTable): ConnectorContext {
  const ctx: ConnectorContext = {
    table: table.name,
    columns: table.columns.filter((c) => c.kind === 'physical').map((c) => ({ name: c.name, type: withoutTimeAttribute(c.type) })),
    options: table.resolvedOptions,
  };
  if (table.primaryKey) ctx.primaryKey = table.primaryKey;
  return ctx;
}

/** Turns a connector's or an option's `UserError` into an error pointing at `span`. */
function at<T>(source: string, span: A.Span, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WeirError && e.domain === 'user') throw planError(source, span, e.message, e.hint);
    throw e;
  }
}

/** Plans a lookup join; `isLookupJoin` said the AS OF is a processing-time attribute. */
export function planLookupJoin(planner: QueryPlanner, ref: A.JoinRef, rightRef: A.NamedTableRef, left: Rel): LookupJoinRel {
  const source = planner.source;
  if (ref.joinType !== 'INNER' && ref.joinType !== 'LEFT') throw unsupported(source, ref.span, `${ref.joinType} lookup join`, 'lookup joins are INNER or LEFT');
  if (left.updating) throw unsupported(source, ref.span, 'a lookup join with an updating left input');
  const asOf = rightRef.forSystemTime!;
  if (!isProctime(asOf, left)) {
    throw planError(source, asOf.span, `a lookup join needs FOR SYSTEM_TIME AS OF a processing-time attribute of the left table, but '${unparse(asOf)}' is not one`,
      'add proc_time AS PROCTIME() to the left table and write FOR SYSTEM_TIME AS OF o.proc_time (or FOR SYSTEM_TIME AS OF PROCTIME())');
  }
  const tableName = rightRef.name[rightRef.name.length - 1]!;
  const obj = planner.ctx.catalog.get(tableName);
  if (!obj) throw planError(source, rightRef.span, `Object '${rightRef.name.join('.')}' not found`, 'create the lookup table with CREATE TABLE first');
  if (obj.kind !== 'table') throw planError(source, rightRef.span, `'${tableName}' is a view; a lookup join reads a table whose connector can look rows up`);
  const connector = obj.connector;
  if (!connector.createLookup) {
    throw planError(source, rightRef.span, `table '${tableName}' cannot be used in a lookup join: connector '${connector.name}' does not support lookups`,
      "FOR SYSTEM_TIME AS OF a processing-time attribute reads rows by key from a lookup connector such as 'redis'; to join a versioned table by event time, use a rowtime attribute");
  }
  const cctx = connectorContext(obj);
  const required = connector.lookupKeys ? at(source, rightRef.span, () => connector.lookupKeys!(cctx)) : undefined;
  const config = at(source, rightRef.span, () => lookupConfig(tableName, obj.resolvedOptions));
  const alias = rightRef.alias?.name ?? tableName;
  if (rightRef.alias?.columns) throw unsupported(source, rightRef.span, 'a column list on the alias of a lookup table');

  // The dim row as the join sees it: physical columns, then computed ones (as a scan appends them).
  const physical = obj.columns.filter((c) => c.kind === 'physical');
  const physFields: ScopeField[] = physical.map((c) => ({ name: c.name, type: withoutTimeAttribute(c.type), table: alias }));
  const dimFields: ScopeField[] = [...physFields];
  const computed: PlannedExpr[] = [];
  for (const c of obj.columns.filter((x) => x.kind === 'computed')) {
    try {
      computed.push(planner.planned(c.expr!, planner.env(physFields)));
    } catch (e) {
      throw positioned(e, source);
    }
    dimFields.push({ name: c.name, type: withoutTimeAttribute(c.type), table: alias });
  }

  const conjuncts: A.Expr[] = [];
  const split = (e: A.Expr): void => {
    if (e.kind === 'Binary' && e.op === 'AND') { split(e.left); split(e.right); } else conjuncts.push(e);
  };
  if (!ref.on) throw planError(source, ref.span, 'a lookup join needs an ON condition on the lookup key');
  split(ref.on);
  const leftEnv = planner.env(left.fields);
  const dimEnv = planner.env(physFields);
  const probeOnly = (e: A.Expr): boolean => {
    try {
      compileScalar(e, leftEnv);
      return true;
    } catch {
      return false;
    }
  };
  // `dim.col = <probe expression>` (either way round): a candidate lookup key.
  const dimColumn = (e: A.Expr): number => {
    if (e.kind !== 'Identifier' || (e.parts.length === 1 && probeOnly(e))) return -1;
    try {
      const r = dimEnv.scope.resolve(e.parts);
      return r.consumed === e.parts.length ? r.index : -1;
    } catch {
      return -1;
    }
  };
  const candidates = new Map<number, { probe: A.Expr; conjunct: A.Expr }>();
  const rest: A.Expr[] = [];
  for (const c of conjuncts) {
    if (c.kind === 'Binary' && c.op === '=') {
      const li = dimColumn(c.left);
      const ri = dimColumn(c.right);
      const [col, probe] = li >= 0 && probeOnly(c.right) ? [li, c.right] : ri >= 0 && probeOnly(c.left) ? [ri, c.left] : [-1, undefined];
      if (col >= 0 && probe && !candidates.has(col)) { candidates.set(col, { probe, conjunct: c }); continue; }
    }
    rest.push(c);
  }
  const wanted = required ?? [...candidates.keys()].sort((a, b) => a - b).map((i) => physFields[i]!.name);
  const missing = wanted.filter((name) => !candidates.has(physFields.findIndex((f) => f.name === name)));
  if (wanted.length === 0 || missing.length > 0) {
    const what = wanted.length === 0 ? 'a column of the table' : missing.map((m) => `${alias}.${m}`).join(', ');
    throw planError(source, ref.on.span, `Lookup join on '${tableName}' requires an equality condition on its lookup key: missing ${what} = <expression of the left side>`,
      `connector '${connector.name}' looks rows up by ${required ? required.join(', ') : 'any of its columns'}; e.g. ON ${alias}.${missing[0] ?? physFields[0]?.name ?? 'id'} = <left column>`);
  }
  const keyIdx = wanted.map((name) => physFields.findIndex((f) => f.name === name));
  for (const [col, c] of candidates) if (!keyIdx.includes(col)) rest.push(c.conjunct);
  const keys = keyIdx.map((col) => {
    const { probe } = candidates.get(col)!;
    const p = planner.planned(probe, leftEnv);
    const from = withoutTimeAttribute(p.compiled.type);
    const to = physFields[col]!.type;
    const same = from.kind === to.kind || from.kind === 'NULL' || (isCharacter(from) && isCharacter(to)) || (isIntegerKind(from.kind) && isIntegerKind(to.kind));
    if (!same) {
      throw planError(source, probe.span, `Lookup join requires the same type on both sides of a key condition, but ${alias}.${physFields[col]!.name} is ${typeToString(to)} and ${unparse(probe)} is ${typeToString(from)}`,
        `CAST(${unparse(probe)} AS ${typeToString({ ...to, nullable: true })})`);
    }
    return p;
  });

  const leftOuter = ref.joinType === 'LEFT';
  // The probe keeps its time attributes (the join adds columns, it does not reorder rows); dim columns are plain.
  const fields: ScopeField[] = [...left.fields, ...dimFields.map((f) => ({ ...f, type: leftOuter ? { ...f.type, nullable: true } : f.type }))];
  let condition: PlannedExpr | undefined;
  if (rest.length > 0) {
    const cond = rest.reduce((a, b) => ({ kind: 'Binary', op: 'AND', left: a, right: b, span: a.span }) as A.Expr);
    const env: ExprEnv = planner.env(fields);
    condition = planner.planned(cond, env);
    if (condition.compiled.type.kind !== 'BOOLEAN' && condition.compiled.type.kind !== 'NULL') {
      throw planError(source, cond.span, `the ON condition must be a condition, but has type ${typeToString(condition.compiled.type)}`);
    }
  }
  const capacity = Number(planner.ctx.catalog.config.get('table.exec.async-lookup.buffer-capacity') ?? DEFAULT_BUFFER_CAPACITY);
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw planError(source, ref.span, `'table.exec.async-lookup.buffer-capacity' must be a whole number >= 1, got '${planner.ctx.catalog.config.get('table.exec.async-lookup.buffer-capacity')}'`);
  }
  const keyText = keyIdx.map((col, i) => `${physFields[col]!.name}=${keys[i]!.text}`).join(', ');
  const c = config.cache;
  const cacheText = c
    ? `PARTIAL(${[c.maxRows !== undefined ? `max-rows=${c.maxRows}` : '', c.expireAfterWriteMs !== undefined ? `expire-after-write=${c.expireAfterWriteMs} ms` : '', c.expireAfterAccessMs !== undefined ? `expire-after-access=${c.expireAfterAccessMs} ms` : '', `cache-missing-key=${c.cacheMissingKey}`].filter((x) => x).join(', ')})`
    : 'NONE';
  const text = `LookupJoin(table=[${tableName}], joinType=[${leftOuter ? 'LeftOuterJoin' : 'InnerJoin'}], lookup=[${keyText}]${condition ? `, where=[${condition.text}]` : ''}, select=[${fields.map((f) => f.name).join(', ')}], cache=[${cacheText}], async=[${config.async}], retries=[${config.maxRetries}])`;
  const rel: LookupJoinRel = {
    kind: 'LookupJoin', input: left, fields, updating: false, table: obj, leftOuter, keyColumns: wanted, keys, computed, config, bufferCapacity: capacity, text,
  };
  if (condition) rel.condition = condition;
  return rel;
}

/** Adds the lookup-join operator after `input` (the physical translation calls this). */
export function translateLookupJoin(input: DataStream<Row>, rel: LookupJoinRel): DataStream<Row> {
  const table = rel.table;
  const connector = { ...connectorContext(table), keyColumns: rel.keyColumns };
  const createLookup = table.connector.createLookup!.bind(table.connector);
  const spec = {
    connector, createLookup, leftOuter: rel.leftOuter,
    keys: rel.keys.map((k) => k.compiled.eval), dimWidth: rel.fields.length - rel.input.fields.length,
    computed: rel.computed.map((c) => c.compiled.eval), config: rel.config, bufferCapacity: rel.bufferCapacity,
    ...(rel.condition ? { condition: rel.condition.compiled.eval } : {}),
  };
  return input.transform(`lookup-join(${table.name})`, () => new LookupJoinOperator(spec));
}
