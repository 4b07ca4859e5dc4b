import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { DataStream } from '../../api/datastream.js';
import { WeirError } from '../../core/errors.js';
import { describeGraph } from '../../runtime/graph.js';
import { CollectSink } from '../../runtime/sink.js';
import type { Sink } from '../../runtime/sink.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { parseScript, unparse } from '../parser/index.js';
import type * as A from '../parser/index.js';
import { Catalog, connectorFor } from '../catalog/index.js';
import type { CatalogTable, TableColumn } from '../catalog/index.js';
import { Scope } from '../expr/scope.js';
import type { ScopeField } from '../expr/scope.js';
import { FunctionCatalog } from '../functions/catalog.js';
import { FunctionModules, registerModuleFunction } from '../functions/user-modules.js';
import { castFn } from '../types/cast.js';
import { fromDataType, typeToString, withoutTimeAttribute } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import { compileScalar } from './expr-bridge.js';
import { planError, positioned, unsupported } from './errors.js';
import { explainRel } from './logical.js';
import type { Rel } from './logical.js';
import { translate } from './physical.js';
import { QueryPlanner } from './query-planner.js';
import { createModel, dropModel } from '../ml/model-catalog.js'; // CREATE MODEL hook

/** One result a job produces: a SELECT's rows (collected) or an INSERT's target table. */
export interface SqlJobSink {
  kind: 'collect' | 'table';
  /** The query name (`-- name: x` comment, else `q1`, `q2`, …) or the target table. */
  name: string;
  fields: { name: string; type: SqlType }[];
  /** Whether the rows are `ChangeRow`s (updates) rather than plain inserted rows. */
  updating: boolean;
}

/** A job planned from one INSERT, statement set or SELECT. Build it into an environment to run it. */
export interface SqlJob {
  name: string;
  /** 1-based line of the statement. */
  line: number;
  sinks: SqlJobSink[];
  /** True when every source ends, so the job finishes by itself. */
  bounded: boolean;
  /**
   * Adds the job's operators to `env`; collect sinks are named after the query. With
   * `collectTables`, INSERT targets are replaced by collect sinks named after the table (for tests).
   */
  build(env: StreamExecutionEnvironment, options?: BuildOptions): void;
  /** `EXPLAIN` text: logical plan and physical operator graph. */
  explain(): string;
}

export interface BuildOptions {
  /** Replace INSERT targets by collect sinks named after the table (for tests). */
  collectTables?: boolean;
  /** Where a SELECT's rows go instead of a collect sink (e.g. printed live by `weir run`). */
  selectSink?: (sink: SqlJobSink) => Sink<Row | ChangeRow>;
}

export type ScriptStep =
  | { kind: 'output'; text: string; line: number }
  | { kind: 'job'; job: SqlJob };

export interface ScriptOptions {
  /** Session catalog; a fresh one by default (pass one to keep tables between scripts). */
  catalog?: Catalog;
  functions?: FunctionCatalog;
  /** Modules of CREATE FUNCTION, imported beforehand (`planScriptAsync` does it). */
  modules?: FunctionModules;
  /** Directory relative module paths of CREATE FUNCTION are read from: the script's (default: the working directory). */
  baseDir?: string;
}

/**
 * `planScript` after importing the modules its CREATE FUNCTION statements name: imports are
 * asynchronous and planning is not. Use it for any script that may contain CREATE FUNCTION.
 *
 * @example
 * const { jobs } = await planScriptAsync(sql, { baseDir: dirname(sqlFile) });
 */
export async function planScriptAsync(text: string, options: ScriptOptions = {}): Promise<PlannedScript> {
  const modules = options.modules ?? new FunctionModules();
  const baseDir = options.baseDir ?? process.cwd();
  for (const st of parseScript(text)) {
    if (st.kind !== 'CreateFunction') continue;
    try {
      await modules.load(st.identifier, baseDir, st.language);
    } catch (e) {
      throw atStatement(e, text, st);
    }
  }
  return planScript(text, { ...options, modules, baseDir });
}

/** A planned script: what each statement produced, in order. */
export interface PlannedScript {
  catalog: Catalog;
  steps: ScriptStep[];
  jobs: SqlJob[];
}

interface Target {
  sink: SqlJobSink;
  rel: Rel;
  table?: CatalogTable;
  /** Maps query row -> sink row (column list, casts); undefined when rows fit as they are. */
  adapt?: (row: Row) => Row;
}

/**
 * Plans a Flink SQL script: DDL changes the catalog as it goes; each INSERT INTO, statement set and
 * SELECT becomes a `SqlJob`; SHOW, DESCRIBE, SET and EXPLAIN give text output. Errors are
 * `SqlParseError`s with line, column and caret (print them with `formatSqlError`).
 *
 * @example
 * const { jobs } = planScript(sql);
 * const env = StreamExecutionEnvironment.create();
 * jobs[0]!.build(env);
 * await env.execute().done;
 */
export function planScript(text: string, options: ScriptOptions = {}): PlannedScript {
  const catalog = options.catalog ?? new Catalog();
  const functions = options.functions ?? new FunctionCatalog();
  const statements = parseScript(text);
  const steps: ScriptStep[] = [];
  const jobs: SqlJob[] = [];
  let queryNo = 0;
  let prevEnd = 0;
  const planner = (): QueryPlanner => new QueryPlanner({ catalog, functions, timeZone: catalog.config.get('table.local-time-zone') ?? 'UTC' }, text);
  for (const st of statements) {
    const nameComment = /--\s*name:\s*([A-Za-z0-9_.-]+)/.exec(text.slice(prevEnd, st.span.end));
    prevEnd = st.span.end;
    const line = st.span.line;
    const out = (t: string): void => { steps.push({ kind: 'output', text: t, line }); };
    try {
      switch (st.kind) {
        case 'CreateTable': createTable(st, catalog, functions, text); break;
        case 'CreateModel': createModel(st, catalog, functions, text); break; // CREATE MODEL hook
        case 'CreateFunction': createFunction(st, functions, options, text); break;
        case 'CreateView': {
          if (st.name.length > 1) throw unsupported(text, st.span, 'catalog-qualified view names');
          const view = { kind: 'view' as const, name: st.name[0]!, query: st.query, source: text, ...(st.columns ? { columns: st.columns } : {}) };
          planner().planView(view);
          catalog.add(view, st.ifNotExists);
          break;
        }
        case 'Drop': {
          if (st.object === 'MODEL') { dropModel(st.name[st.name.length - 1]!, catalog, st.ifExists, text, st.span); break; } // CREATE MODEL hook
          if (st.object === 'FUNCTION') { dropFunction(st, functions, text); break; }
          if (st.object !== 'TABLE' && st.object !== 'VIEW') throw unsupported(text, st.span, `DROP ${st.object}`);
          catalog.drop(st.name[st.name.length - 1]!, st.object === 'TABLE' ? 'table' : 'view', st.ifExists);
          break;
        }
        case 'Set':
          if (st.key === undefined) out([...catalog.config].map(([k, v]) => `'${k}' = '${v}'`).join('\n'));
          else catalog.config.set(st.key, st.value ?? '');
          break;
        case 'Reset':
          if (st.key === undefined) catalog.config.clear();
          else catalog.config.delete(st.key);
          break;
        case 'Show':
          if (st.object === 'TABLES') out(catalog.names().join('\n'));
          else if (st.object === 'VIEWS') out(catalog.names('view').join('\n'));
          else if (st.object === 'FUNCTIONS' || st.object === 'USER FUNCTIONS') {
            const user = st.object === 'USER FUNCTIONS';
            out(functions.list().filter((f) => !user || f.user).map((f) => f.name.toLowerCase()).join('\n'));
          }
          else throw unsupported(text, st.span, `SHOW ${st.object}`);
          break;
        case 'Describe': out(describeTable(st, catalog, functions, text)); break;
        case 'QueryStatement': {
          queryNo++;
          const name = nameComment?.[1] ?? `q${queryNo}`;
          const rel = planner().planTop(st.query);
          const job = makeJob(name, line, [{ sink: collectSink(name, rel), rel }]);
          jobs.push(job);
          steps.push({ kind: 'job', job });
          break;
        }
        case 'Insert': {
          queryNo++;
          const target = planInsert(st, planner(), catalog, text);
          const job = makeJob(nameComment?.[1] ?? `INSERT INTO ${target.sink.name}`, line, [target]);
          jobs.push(job);
          steps.push({ kind: 'job', job });
          break;
        }
        case 'StatementSet': {
          if (st.inserts.length === 0) throw planError(text, st.span, 'the statement set has no INSERT statements');
          const targets = st.inserts.map((ins) => planInsert(ins, planner(), catalog, text));
          const job = makeJob(nameComment?.[1] ?? `STATEMENT SET (${targets.map((t) => t.sink.name).join(', ')})`, line, targets);
          jobs.push(job);
          steps.push({ kind: 'job', job });
          break;
        }
        case 'Explain': {
          const inner = st.statement;
          const targets = inner.kind === 'QueryStatement'
            ? [{ sink: collectSink('explain', planner().planTop(inner.query)), rel: planner().planTop(inner.query) }]
            : inner.kind === 'Insert' ? [planInsert(inner, planner(), catalog, text)] : inner.inserts.map((i) => planInsert(i, planner(), catalog, text));
          out(makeJob('explain', line, targets).explain());
          break;
        }
        default:
          throw unsupported(text, st.span, statementName(st));
      }
    } catch (e) {
      throw atStatement(positioned(e, text), text, st);
    }
  }
  return { catalog, steps, jobs };
}

function statementName(st: A.Statement): string {
  switch (st.kind) {
    case 'CreateFunction': return 'CREATE FUNCTION';
    case 'CreateModel': return 'CREATE MODEL';
    case 'ShowCreate': return `SHOW CREATE ${st.object}`;
    case 'Use': return 'USE';
    default: return st.kind;
  }
}

// A UserError from a connector or the catalog has no position: point it at the statement.
function atStatement(err: unknown, source: string, st: A.Statement): unknown {
  if (err instanceof WeirError && !('line' in err) && err.domain === 'user') {
    return planError(source, st.span, err.message, err.hint);
  }
  return err;
}

function collectSink(name: string, rel: Rel): SqlJobSink {
  return { kind: 'collect', name, fields: rel.fields.map((f) => ({ name: f.name, type: f.type })), updating: rel.updating };
}

/**
 * CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] f AS 'module[#export]' [LANGUAGE ...]. A weir
 * session has one function namespace, so TEMPORARY and SYSTEM change nothing: every function lives
 * as long as the session.
 */
function createFunction(st: A.CreateFunction, functions: FunctionCatalog, options: ScriptOptions, source: string): void {
  if (st.name.length > 1) throw unsupported(source, st.span, 'catalog-qualified function names');
  const name = st.name[0]!;
  const kind = functions.kind(name);
  if (kind !== undefined && st.ifNotExists) return;
  if (kind !== undefined && !functions.isUser(name)) {
    throw planError(source, st.span, `Function '${name}' is a built-in function and cannot be replaced`, 'pick another name');
  }
  if (kind !== undefined) throw planError(source, st.span, `Function '${name}' already exists`, `use CREATE FUNCTION IF NOT EXISTS, or DROP FUNCTION ${name} first`);
  const modules = options.modules ?? new FunctionModules();
  const value = modules.exportFor(st.identifier, options.baseDir ?? process.cwd(), name);
  registerModuleFunction(functions, name, value, st.identifier);
}

function dropFunction(st: A.Drop, functions: FunctionCatalog, source: string): void {
  const name = st.name[st.name.length - 1]!;
  if (functions.drop(name) || st.ifExists) return;
  if (functions.kind(name) !== undefined) throw planError(source, st.span, `Function '${name}' is a built-in function and cannot be dropped`);
  throw planError(source, st.span, `Function '${name}' does not exist`, 'use DROP FUNCTION IF EXISTS to ignore a missing function');
}

function createTable(st: A.CreateTable, catalog: Catalog, functions: FunctionCatalog, source: string): void {
  if (st.name.length > 1) throw unsupported(source, st.span, 'catalog-qualified table names');
  if (st.asQuery) throw unsupported(source, st.span, 'CREATE TABLE ... AS SELECT');
  const name = st.name[0]!;
  if (catalog.has(name)) {
    if (st.ifNotExists) return;
    throw planError(source, st.span, `Table "${name}" already exists`, 'use CREATE TABLE IF NOT EXISTS, or DROP TABLE first');
  }
  const columns: TableColumn[] = [];
  const physical: ScopeField[] = [];
  for (const c of st.columns) {
    if (columns.some((x) => x.name === c.name)) throw planError(source, c.span, `Column '${c.name}' is declared twice`);
    if (c.kind === 'PhysicalColumn') {
      const type = fromDataType(c.type);
      columns.push({ name: c.name, type, kind: 'physical' });
      physical.push({ name: c.name, type });
    } else if (c.kind === 'MetadataColumn') {
      throw unsupported(source, c.span, 'METADATA columns');
    }
  }
  for (const c of st.columns) {
    if (c.kind !== 'ComputedColumn') continue;
    const compiled = compileScalar(c.expr, { scope: new Scope(physical), functions, source, timeZone: catalog.config.get('table.local-time-zone') ?? 'UTC' });
    columns.push({ name: c.name, type: compiled.type, kind: 'computed', expr: c.expr });
  }
  // Keep declaration order for DESCRIBE and SELECT *: physical and computed columns interleaved as written.
  const order = st.columns.map((c) => c.name);
  columns.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  let watermark: CatalogTable['watermark'];
  if (st.watermark) {
    const colName = st.watermark.column[st.watermark.column.length - 1]!;
    const col = columns.find((c) => c.name === colName);
    const span = st.watermark.expr.span;
    if (!col) throw planError(source, span, `The rowtime attribute field '${colName}' is not defined in the table schema`, `columns: ${columns.map((c) => c.name).join(', ')}`);
    if (col.type.timeAttribute === 'PROCTIME') throw planError(source, span, `Watermark can not be defined for a processing-time attribute column ('${colName}' AS PROCTIME())`, 'a watermark needs an event-time column of the rows; keep PROCTIME() for lookup joins');
    if ((col.type.kind !== 'TIMESTAMP' && col.type.kind !== 'TIMESTAMP_LTZ') || (col.type.precision ?? 6) > 3) {
      throw planError(source, span, `Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is ${typeToString(col.type)}`);
    }
    const scope = new Scope(columns.map((c) => ({ name: c.name, type: c.type })));
    const wm = compileScalar(st.watermark.expr, { scope, functions, source, timeZone: 'UTC' });
    if (wm.type.kind !== 'TIMESTAMP' && wm.type.kind !== 'TIMESTAMP_LTZ') {
      throw planError(source, span, `Watermark strategy ${unparse(st.watermark.expr)} must be of type TIMESTAMP or TIMESTAMP_LTZ but is of type '${typeToString(wm.type)}'.`);
    }
    col.type = { ...col.type, timeAttribute: 'ROWTIME' };
    watermark = { column: colName, expr: st.watermark.expr, span };
  }
  const pk = st.primaryKey?.columns ?? st.columns.filter((c) => c.kind === 'PhysicalColumn' && c.primaryKey).map((c) => c.name);
  for (const k of pk) {
    const col = columns.find((c) => c.name === k);
    if (!col) throw planError(source, st.span, `Primary key column '${k}' is not defined`);
    col.type = { ...col.type, nullable: false };
  }
  if (st.partitionedBy.length > 0) throw unsupported(source, st.span, 'PARTITIONED BY');
  const options = new Map(st.options.map((p) => [p.key, p.value]));
  const { connector, options: resolved } = connectorFor(name, options);
  const table: CatalogTable = { kind: 'table', name, columns, options, connector, resolvedOptions: resolved, ddl: st };
  if (watermark) table.watermark = watermark;
  if (pk.length > 0) table.primaryKey = pk;
  catalog.add(table, st.ifNotExists);
}

function describeTable(st: A.Describe, catalog: Catalog, functions: FunctionCatalog, source: string): string {
  const name = st.name[st.name.length - 1]!;
  const obj = catalog.get(name);
  if (!obj) throw planError(source, st.span, `Table or view '${name}' does not exist`);
  const rows: string[][] = [['name', 'type', 'null', 'key', 'extras', 'watermark']];
  if (obj.kind === 'table') {
    for (const c of obj.columns) {
      const type = typeToString({ ...c.type, nullable: true });
      rows.push([
        c.name, type, c.type.nullable ? 'TRUE' : 'FALSE',
        obj.primaryKey?.includes(c.name) ? `PRI(${obj.primaryKey.join(', ')})` : '',
        c.kind === 'computed' ? `AS ${unparse(c.expr!)}` : '',
        obj.watermark?.column === c.name ? unparse(obj.watermark.expr) : '',
      ]);
    }
  } else {
    const planner = new QueryPlanner({ catalog, functions, timeZone: 'UTC' }, obj.source);
    for (const f of planner.planView(obj).fields) rows.push([f.name, typeToString({ ...f.type, nullable: true }), f.type.nullable ? 'TRUE' : 'FALSE', '', '', '']);
  }
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const fmt = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line, fmt(rows[0]!), line, ...rows.slice(1).map(fmt), line].join('\n');
}

function planInsert(ins: A.Insert, planner: QueryPlanner, catalog: Catalog, source: string): Target {
  if (ins.overwrite) throw unsupported(source, ins.span, 'INSERT OVERWRITE');
  if (ins.partition.length > 0) throw unsupported(source, ins.span, 'INSERT ... PARTITION');
  const name = ins.table[ins.table.length - 1]!;
  const obj = catalog.get(name);
  if (!obj) throw planError(source, ins.span, `Object '${ins.table.join('.')}' not found`, `create the sink table with CREATE TABLE ${name} (...) WITH ('connector' = 'print') first`);
  if (obj.kind !== 'table') throw planError(source, ins.span, `cannot INSERT INTO view '${name}'`);
  if (!obj.connector.createSink) {
    throw planError(source, ins.span, `connector '${obj.connector.name}' of table '${name}' can only be read, not written`);
  }
  const rel = planner.planTop(ins.query);
  const physical = obj.columns.filter((c) => c.kind === 'physical');
  const targetCols = ins.columns ?? physical.map((c) => c.name);
  if (targetCols.length !== rel.fields.length) {
    throw planError(source, ins.query.span, `Column types of query result and sink for '${name}' do not match: the query has ${rel.fields.length} columns, the sink expects ${targetCols.length} (${targetCols.join(', ')})`);
  }
  const positions = targetCols.map((c) => {
    const i = physical.findIndex((p) => p.name === c);
    if (i < 0) throw planError(source, ins.span, `Unknown target column '${c}' in table '${name}'`, `columns: ${physical.map((p) => p.name).join(', ')}`);
    return i;
  });
  const convs = rel.fields.map((f, i) => {
    const to = physical[positions[i]!]!.type;
    const from = withoutTimeAttribute(f.type);
    if (from.kind === to.kind && from.precision === to.precision && from.scale === to.scale) return undefined;
    if (from.kind === 'NULL') return undefined;
    try {
      return castFn(from, to, { timeZone: 'UTC' });
    } catch {
      throw planError(source, ins.query.span, `Column '${f.name}' of type ${typeToString(from)} cannot be written to sink column '${targetCols[i]}' of type ${typeToString(to)}`);
    }
  });
  const identity = positions.every((p, i) => p === i) && positions.length === physical.length && convs.every((c) => c === undefined);
  const width = physical.length;
  const adapt = identity ? undefined : (row: Row): Row => {
    const out = new Array<unknown>(width).fill(null);
    for (let i = 0; i < positions.length; i++) {
      const v = row[i];
      const c = convs[i];
      out[positions[i]!] = c && v !== null && v !== undefined ? c(v) : v;
    }
    return out;
  };
  const sink: SqlJobSink = { kind: 'table', name, fields: physical.map((c) => ({ name: c.name, type: c.type })), updating: rel.updating };
  // Let the connector refuse what it cannot write (e.g. updates into files) before anything runs.
  obj.connector.createSink({ table: name, columns: sink.fields, options: obj.resolvedOptions, changelog: rel.updating });
  const t: Target = { sink, rel, table: obj };
  if (adapt) t.adapt = adapt;
  return t;
}

function scansOf(rel: Rel): CatalogTable[] {
  switch (rel.kind) {
    case 'Scan': return [rel.table];
    case 'Union': return rel.inputs.flatMap(scansOf);
    case 'Join': case 'IntervalJoin': case 'TemporalJoin': return [...scansOf(rel.left), ...scansOf(rel.right)];
    default: return scansOf(rel.input);
  }
}

function makeJob(name: string, line: number, targets: Target[]): SqlJob {
  const bounded = targets.every((t) => scansOf(t.rel).every((tab) => tab.connector.isBounded?.(tab.resolvedOptions) ?? false));
  const build = (env: StreamExecutionEnvironment, options: BuildOptions = {}): void => {
    for (const t of targets) {
      let s = translate(env, t.rel) as DataStream<Row | ChangeRow>;
      if (t.adapt) {
        const adapt = t.adapt;
        s = t.sink.updating
          ? s.map((c): Row | ChangeRow => ({ op: (c as ChangeRow).op, row: adapt((c as ChangeRow).row) }))
          : s.map((r): Row | ChangeRow => adapt(r as Row));
      }
      if (t.sink.kind === 'collect' && options.selectSink) s.sinkTo(options.selectSink(t.sink), t.sink.name);
      else if (t.sink.kind === 'collect' || options.collectTables) s.sinkTo(new CollectSink(t.sink.name), t.sink.name);
      else {
        const tab = t.table!;
        const cols = tab.columns.filter((c) => c.kind === 'physical').map((c) => ({ name: c.name, type: c.type }));
        s.sinkTo(tab.connector.createSink!({ table: tab.name, columns: cols, options: tab.resolvedOptions, changelog: t.sink.updating }), `sink(${tab.name})`);
      }
    }
  };
  return {
    name, line, bounded, build,
    sinks: targets.map((t) => t.sink),
    explain() {
      const logical = targets.map((t) => `${t.sink.kind === 'table' ? `Sink(table=[${t.sink.name}], fields=[${t.sink.fields.map((f) => f.name).join(', ')}])` : `Collect(name=[${t.sink.name}], fields=[${t.sink.fields.map((f) => f.name).join(', ')}])`}\n${explainRel(t.rel, '+- ')}`).join('\n\n');
      const env = StreamExecutionEnvironment.create();
      build(env);
      return `== Logical Plan ==\n${logical}\n\n== Physical Plan ==\n${describeGraph(env.buildGraph())}`;
    },
  };
}
