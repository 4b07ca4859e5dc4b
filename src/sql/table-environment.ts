/**
 * The typed library API for SQL: Flink's `TableEnvironment` and `StreamTableEnvironment` for Node.
 * `weir run` and `weir sql` are thin wrappers over it.
 */
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../api/environment.js';
import type { EnvironmentOptions } from '../api/environment.js';
import { DataStream } from '../api/datastream.js';
import { UserError, WeirError } from '../core/errors.js';
import { NO_TIMESTAMP, parseDuration } from '../core/time.js';
import type { Batch } from '../core/batch.js';
import type { StreamOperator } from '../operators/operator.js';
import type { JobHandle } from '../runtime/executor.js';
import type { GraphNode } from '../runtime/graph.js';
import type { Sink } from '../runtime/sink.js';
import type { Source } from '../runtime/source.js';
import { registerConnector as registerGlobalConnector } from '../connectors/registry.js';
import type { ChangeRow, ResolvedOptions, Row, RowKind, TableConnector } from '../connectors/registry.js';
import { Catalog } from './catalog/index.js';
import type { CatalogTable, TableColumn } from './catalog/index.js';
import { FunctionCatalog, FunctionModules, registerModuleFunction } from './functions/index.js';
import { parseDataType, parseScript, parseStatement, quoteIdent } from './parser/index.js';
import type { CreateTable, Statement } from './parser/index.js';
import { planError, planScript, planScriptAsync } from './planner/index.js';
import type { PlannedScript, ScriptStep, SqlJob, SqlJobSink } from './planner/index.js';
import { fromDataType, typeToString } from './types/sql-type.js';
import type { SqlType } from './types/sql-type.js';
import { formatValue, parseValue } from './types/values.js';

export type { RowKind } from '../connectors/registry.js';

/** Settings of a table environment; they match the options of `weir run`. */
export interface TableEnvironmentOptions {
  /** Parallelism of every job; wins over `SET 'parallelism.default'` (default 1). */
  parallelism?: number;
  /**
   * Checkpoint directory (`--checkpoint-dir`); wins over `SET 'execution.checkpointing.dir'`. Checkpoints
   * are taken every `execution.checkpointing.interval` (default 1 s).
   */
  checkpointDir?: string;
  /** Start jobs from this savepoint (`--from-savepoint`); needs `checkpointDir`. */
  savepoint?: string;
  /** `'hashmap'` (heap, the default) or `'lmdb'` (on disk; `'rocksdb'` is read as `'lmdb'`). */
  stateBackend?: string;
  /** Serve Prometheus metrics of running jobs on this port (0: any free port). */
  metricsPort?: number;
  /** Directory relative module paths of `CREATE FUNCTION` are read from (default: the working directory). */
  baseDir?: string;
}

/** A column of a result: its name and Flink SQL type, e.g. `{ name: 'cnt', type: 'BIGINT NOT NULL' }`. */
export interface ResultColumn {
  name: string;
  type: string;
}

/**
 * One row of a result or of `toChangelogStream`, with Flink's row kind. `row` holds the values by
 * column name, `values` the same in column order (use it when two columns share a name). Values are
 * as weir's SQL runtime holds them: TIMESTAMP and TIMESTAMP_LTZ as epoch milliseconds, DATE as days
 * since 1970-01-01, DECIMAL as a `Decimal` (`toString()` gives its text), NULL as `null`.
 */
export interface ChangelogRow {
  kind: RowKind;
  row: Record<string, unknown>;
  values: readonly unknown[];
}

/**
 * What `executeSql` returns (Flink's `TableResult`). DDL and SET give `SUCCESS` and no rows; SHOW,
 * DESCRIBE and EXPLAIN give their rows at once; a SELECT or INSERT starts a job: `done` settles when
 * it ends, `cancel()` stops it. A SELECT's rows are read once, as they come, by iterating the result
 * (`for await (const change of result)`) or with `collect()`.
 */
export interface TableResult extends AsyncIterable<ChangelogRow> {
  readonly resultKind: 'SUCCESS' | 'SUCCESS_WITH_CONTENT';
  readonly columns: readonly ResultColumn[];
  /** The running job of a SELECT or INSERT. */
  readonly job: JobHandle | undefined;
  /** False when the job reads an unbounded source, so it runs until cancelled. */
  readonly bounded: boolean;
  /** Settles when the job has finished (at once for statements without a job); rejects with its error. */
  readonly done: Promise<void>;
  cancel(): Promise<void>;
  /** Reads every row until the job ends. Only for bounded jobs (or after `cancel()`). */
  collect(): Promise<ChangelogRow[]>;
  /**
   * Writes the result as `weir run` does and waits for its job: SHOW/DESCRIBE/EXPLAIN text, or each row
   * of a SELECT as Flink's changelog text `+I[a, 1]` as it comes.
   */
  print(write?: (text: string) => void): Promise<void>;
  /** A row as Flink prints it: `+U[a, 2]`. */
  formatRow(row: ChangelogRow): string;
}

/** How `executeScript` runs. */
export interface ScriptRunOptions {
  /**
   * Called with each statement's result as soon as it exists (a job has started); the next
   * statement waits for it and for the job to finish. `weir run` prints here.
   */
  onResult?: (result: TableResult, statementLine: number) => void | Promise<void>;
}

/**
 * A SQL session embedded in a Node program (Flink's `TableEnvironment`): one catalog of tables, views,
 * functions and settings that statements share, and the jobs they start.
 *
 * @example
 * const tenv = TableEnvironment.create({ parallelism: 2 });
 * await tenv.executeSql(`CREATE TABLE clicks (user_id STRING, url STRING) WITH ('connector' = 'filesystem', 'path' = 'clicks.csv', 'format' = 'csv')`);
 * const result = await tenv.executeSql('SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id');
 * for await (const { kind, row } of result) console.log(kind, row.user_id, row.n);
 */
export class TableEnvironment {
  /** @internal */ readonly catalog = new Catalog();
  /** @internal */ readonly functions = new FunctionCatalog();
  /** @internal */ readonly modules = new FunctionModules();
  protected readonly options: TableEnvironmentOptions;
  private jobsStarted = 0;

  protected constructor(options: TableEnvironmentOptions) {
    if (options.parallelism !== undefined && (!Number.isInteger(options.parallelism) || options.parallelism < 1)) {
      throw new UserError(`parallelism must be a whole number >= 1, got ${options.parallelism}`);
    }
    this.options = { ...options };
  }

  static create(options: TableEnvironmentOptions = {}): TableEnvironment {
    return new TableEnvironment(options);
  }

  /**
   * Runs one statement. Errors are thrown before anything runs, as `SqlParseError`s with line, column,
   * caret and hint (`describe()` renders them) for anything wrong in the SQL.
   *
   * @example
   * const insert = await tenv.executeSql("INSERT INTO sink SELECT * FROM src");
   * await insert.done;
   */
  async executeSql(statement: string): Promise<TableResult> {
    const statements = parseScript(statement);
    if (statements.length !== 1) {
      throw planError(statement, statements[1]?.span, statements.length === 0 ? 'executeSql needs one statement, got none' : 'executeSql runs one statement, this is a second one', 'run several statements with executeScript');
    }
    const script = await this.plan(statement);
    const step = script.steps[0];
    if (!step) return doneResult([], []);
    return this.start(step, statements[0]!, script, undefined);
  }

  /**
   * Runs a script of statements in order, as `weir run` does: everything is planned first (so a
   * mistake anywhere runs nothing), then each job runs to its end before the next statement's job
   * starts; several INSERTs that should run as one job go in `EXECUTE STATEMENT SET BEGIN ... END;`.
   * With several jobs and a checkpoint directory, job i checkpoints into `DIR/job-i`.
   */
  async executeScript(text: string, options: ScriptRunOptions = {}): Promise<TableResult[]> {
    const statements = parseScript(text);
    const script = await this.plan(text);
    const jobs = script.steps.filter((st) => st.kind === 'job').length;
    const results: TableResult[] = [];
    let jobIndex = 0;
    for (const step of script.steps) {
      const result = this.start(step, statementAt(statements, step), script, step.kind === 'job' && jobs > 1 ? jobIndex++ : undefined);
      results.push(result);
      if (options.onResult) await options.onResult(result, step.kind === 'job' ? step.job.line : step.line);
      await result.done;
    }
    return results;
  }

  /**
   * Registers a function written in TypeScript, as `CREATE FUNCTION` does with a module export (same
   * contract: see docs/udf.md): a scalar function, a generator (table function) or an aggregate.
   *
   * @example
   * tenv.createTemporarySystemFunction('mask', Object.assign((s: string | null) => s && s.replace(/./g, '*'), { returns: 'STRING' }));
   */
  createTemporarySystemFunction(name: string, impl: unknown): void {
    if (this.functions.kind(name) !== undefined) {
      throw new UserError(this.functions.isUser(name) ? `Function '${name}' already exists` : `Function '${name}' is a built-in function and cannot be replaced`, {
        origin: 'sql', hint: this.functions.isUser(name) ? `drop it first with DROP FUNCTION ${name}` : 'pick another name',
      });
    }
    registerModuleFunction(this.functions, name, impl, 'in-process');
  }

  /** Removes a function registered with `createTemporarySystemFunction` or CREATE FUNCTION; false when there was none. */
  dropTemporarySystemFunction(name: string): boolean {
    return this.functions.drop(name);
  }

  /**
   * Adds a table connector for every table environment of this process (see `TableConnector`);
   * returns a function that removes it.
   */
  registerConnector(connector: TableConnector): () => void {
    return registerGlobalConnector(connector);
  }

  /** Table and view names, as `SHOW TABLES` lists them. */
  listTables(): string[] {
    return this.catalog.names();
  }

  /** @internal Plans with the session's catalog, functions and modules. */
  protected plan(text: string): Promise<PlannedScript> {
    return planScriptAsync(text, { catalog: this.catalog, functions: this.functions, modules: this.modules, baseDir: this.options.baseDir ?? process.cwd() });
  }

  /** @internal Plans synchronously (no CREATE FUNCTION modules to import). */
  protected planSync(text: string): PlannedScript {
    return planScript(text, { catalog: this.catalog, functions: this.functions, modules: this.modules, baseDir: this.options.baseDir ?? process.cwd() });
  }

  /** @internal Lets a stream table environment put DataStream sources into a job's graph. */
  protected linkJob(_env: StreamExecutionEnvironment): void {}

  /** @internal Environment settings SQL jobs start from (the options and SET statements win). */
  protected jobDefaults(): EnvironmentOptions {
    return {};
  }

  private start(step: ScriptStep, statement: Statement | undefined, script: PlannedScript, jobIndex: number | undefined): TableResult {
    if (step.kind === 'output') return textResult(statement, step.text);
    const job = step.job;
    const defaults = this.jobDefaults();
    const p = this.options.parallelism ?? Number(script.catalog.config.get('parallelism.default') ?? defaults.parallelism ?? 1);
    const settings = jobSettings(this.catalog.config, this.options, jobIndex ?? (this.jobsStarted > 0 ? this.jobsStarted : undefined));
    this.jobsStarted++;
    return startSqlJob(job, { ...defaults, ...settings, parallelism: p }, (env) => this.linkJob(env));
  }
}

/**
 * Runs one planned SQL job in an environment of its own and returns its result (the rows of a
 * SELECT come through the result). For front ends that plan themselves (`weir sql`).
 */
export function startSqlJob(job: SqlJob, settings: EnvironmentOptions, link?: (env: StreamExecutionEnvironment) => void): TableResult {
  const env = StreamExecutionEnvironment.create({ ...settings, name: job.name });
  const select = job.sinks.find((s) => s.kind === 'collect');
  const queue = select ? new RowQueue(select, job.bounded) : undefined;
  job.build(env, queue ? { selectSink: () => queue.sink() } : {});
  link?.(env);
  return jobResult(env.execute(job.name), job, queue);
}

/**
 * A table environment that shares one `StreamExecutionEnvironment` with DataStream code (Flink's
 * `StreamTableEnvironment`): DataStreams become tables, and query results become DataStreams in the
 * same job, which `env.execute()` runs.
 *
 * @example
 * const env = StreamExecutionEnvironment.create();
 * const tenv = StreamTableEnvironment.create(env);
 * const clicks = env.fromArray(events).assignTimestampsAndWatermarks(WatermarkStrategies.monotonousTimestamps<Click>().withTimestampAssigner((e) => e.at));
 * tenv.fromDataStream('clicks', clicks, { columns: { user_id: 'STRING' }, rowtime: 'ts' });
 * tenv.toChangelogStream('SELECT user_id, COUNT(*) AS n FROM clicks GROUP BY user_id').map((c) => `${c.kind} ${c.row.user_id}`).print();
 * await env.execute().done;
 */
export class StreamTableEnvironment extends TableEnvironment {
  private readonly streams = new Map<string, StreamRegistration>();
  private readonly connector: TableConnector;

  protected constructor(readonly env: StreamExecutionEnvironment, options: TableEnvironmentOptions) {
    super(options);
    const streams = this.streams;
    const upstreamBounded = (nodeId: number): boolean => upstreamOf(env, nodeId).every((n) => n.kind !== 'source' || n.source.bounded);
    this.connector = {
      name: 'datastream',
      schema: { options: [{ key: 'connector', description: 'datastream' }] },
      isBounded: (o) => { const r = streams.get(tableOf(o)); return r ? upstreamBounded(r.stream.nodeId) : true; },
      createSource: (ctx): Source<Row> => {
        const reg = streams.get(ctx.table);
        if (!reg) throw new WeirError(`table "${ctx.table}" has no DataStream behind it`, { domain: 'internal' });
        return bridgeSource(reg);
      },
    };
  }

  /** A stream table environment on `env`, or on a new environment of the given parallelism. */
  static override create(envOrOptions?: StreamExecutionEnvironment | TableEnvironmentOptions, options: TableEnvironmentOptions = {}): StreamTableEnvironment {
    if (envOrOptions instanceof StreamExecutionEnvironment) return new StreamTableEnvironment(envOrOptions, options);
    return new StreamTableEnvironment(StreamExecutionEnvironment.create({ parallelism: envOrOptions?.parallelism ?? 1 }), envOrOptions ?? {});
  }

  /**
   * Registers a DataStream of objects as table `name` (Flink's `createTemporaryView(name, stream,
   * schema)`). Each column is read from the property of the same name. `rowtime` adds a
   * `TIMESTAMP_LTZ(3)` rowtime column holding each record's event time; watermarks are the stream's
   * own (Flink's `SOURCE_WATERMARK()`), so assign them on the stream first.
   *
   * @example
   * tenv.fromDataStream('orders', orders, { columns: { id: 'BIGINT', amount: 'DECIMAL(10, 2)' }, rowtime: 'ts' });
   */
  fromDataStream<T extends object>(name: string, stream: DataStream<T>, schema: DataStreamSchema): void {
    if (stream.env !== this.env) throw new UserError(`the DataStream for table "${name}" belongs to another StreamExecutionEnvironment`, { hint: 'create the StreamTableEnvironment on the environment the stream was built in' });
    if (this.catalog.has(name)) throw new UserError(`Table "${name}" already exists`, { origin: 'sql', hint: 'pick another name, or DROP TABLE it first' });
    const columns: TableColumn[] = Object.entries(schema.columns).map(([col, typeText]) => ({ name: col, type: columnType(name, col, typeText), kind: 'physical' as const }));
    if (schema.rowtime !== undefined) {
      if (columns.some((c) => c.name === schema.rowtime)) throw new UserError(`table "${name}": the rowtime column '${schema.rowtime}' is also in columns`, { hint: 'the rowtime column holds the records\' event time: leave it out of columns' });
      columns.push({ name: schema.rowtime, type: { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false, timeAttribute: 'ROWTIME' }, kind: 'physical' });
    }
    if (columns.length === 0) throw new UserError(`table "${name}" has no columns`, { hint: "name them: { columns: { id: 'BIGINT', name: 'STRING' } }" });
    const options: ResolvedOptions = new Map([['connector', 'datastream'], ['table', name]]);
    const ddlText = `CREATE TABLE ${quoteIdent(name)} (${columns.map((c) => `${quoteIdent(c.name)} ${typeToString({ ...c.type, timeAttribute: undefined })}`).join(', ')}) WITH ('connector' = 'datastream')`;
    const table: CatalogTable = { kind: 'table', name, columns, options, connector: this.connector, resolvedOptions: options, ddl: parseStatement(ddlText) as CreateTable };
    this.catalog.add(table, false);
    this.streams.set(name, { table: name, stream: stream as DataStream<unknown>, columns: columns.map((c) => ({ name: c.name, type: c.type })), rowtime: schema.rowtime === undefined ? -1 : columns.length - 1 });
  }

  /**
   * A table's or query's rows as a DataStream in this environment, each with its row kind (Flink's
   * `toChangelogStream`): `+I` for inserts, `-U`/`+U`/`-D` when an aggregate or join updates earlier rows.
   * The stream's records carry the rows' event time when the query has a rowtime column.
   */
  toChangelogStream(tableOrQuery: string): DataStream<ChangelogRow> {
    const { id } = this.buildQuery(tableOrQuery, 'toChangelogStream', (sink) => {
      const names = sink.fields.map((f) => f.name);
      return mapOperator(`to-changelog(${sink.name})`, (v: Row | ChangeRow) => sink.updating ? changelogRow(names, (v as ChangeRow).op, (v as ChangeRow).row) : changelogRow(names, '+I', v as Row));
    });
    return new DataStream<ChangelogRow>(this.env, id);
  }

  /**
   * An insert-only table's or query's rows as a DataStream of objects keyed by column name (Flink's
   * `toDataStream`). Queries that update earlier rows need `toChangelogStream`.
   */
  toDataStream(tableOrQuery: string): DataStream<Record<string, unknown>> {
    const { id } = this.buildQuery(tableOrQuery, 'toDataStream', (sink) => {
      if (sink.updating) {
        throw new UserError(`toDataStream: the query updates rows it has emitted (-U/+U/-D), so its rows do not fit a stream of objects`, {
          origin: 'sql', hint: 'use toChangelogStream, which gives each row with its kind',
        });
      }
      const names = sink.fields.map((f) => f.name);
      return mapOperator(`to-datastream(${sink.name})`, (v: Row | ChangeRow) => changelogRow(names, '+I', v as Row).row);
    });
    return new DataStream<Record<string, unknown>>(this.env, id);
  }

  /** @internal */
  protected override linkJob(env: StreamExecutionEnvironment): void {
    linkStreams(env, this.env);
  }

  /** @internal SQL jobs of executeSql run like the shared environment's. */
  protected override jobDefaults(): EnvironmentOptions {
    return { parallelism: this.env.parallelism, maxParallelism: this.env.maxParallelism, batchSize: this.env.batchSize };
  }

  /** Plans one query and adds its operators to the shared environment, ending in `convert` instead of a sink. */
  private buildQuery(tableOrQuery: string, what: string, convert: (sink: SqlJobSink) => StreamOperator<Row | ChangeRow, unknown>): { id: number } {
    const text = /^[A-Za-z_][A-Za-z0-9_]*$/.test(tableOrQuery.trim()) ? `SELECT * FROM ${quoteIdent(tableOrQuery.trim())}` : tableOrQuery;
    const statements = parseScript(text);
    if (statements.length !== 1 || statements[0]!.kind !== 'QueryStatement') {
      throw planError(text, statements[statements.length === 1 ? 0 : 1]?.span, `${what} needs a table name or one SELECT query`, 'run other statements with executeSql');
    }
    const job = (this.planSync(text).steps[0] as { kind: 'job'; job: SqlJob }).job;
    const marker: Sink<Row | ChangeRow> = { name: 'bridge', createWriter: () => { throw new WeirError('bridge sink reached the runtime', { domain: 'internal' }); } };
    const sink = job.sinks[0]!;
    const op = convert(sink);
    job.build(this.env, { selectSink: () => marker });
    linkStreams(this.env, this.env);
    const node = this.env.nodes.find((n) => n.kind === 'sink' && n.sink === marker);
    if (!node || node.kind !== 'sink') throw new WeirError('the query built no result node', { domain: 'internal' });
    this.env.nodes[node.id] = { kind: 'one', id: node.id, name: op.name, parallelism: node.parallelism, inputs: node.inputs, keyed: false, create: () => op };
    return { id: node.id };
  }
}

/** The schema of a table made from a DataStream (Flink's `Schema` for `fromDataStream`). */
export interface DataStreamSchema {
  /** Column name → Flink SQL type, in table order: `{ id: 'BIGINT', name: 'STRING' }`. */
  columns: Record<string, string>;
  /**
   * Name of a `TIMESTAMP_LTZ(3)` rowtime column filled from each record's event time (Flink's
   * `columnByMetadata('rowtime', 'TIMESTAMP_LTZ(3)')` with `watermark('rowtime', 'SOURCE_WATERMARK()')`).
   */
  rowtime?: string;
}

interface StreamRegistration {
  table: string;
  stream: DataStream<unknown>;
  columns: { name: string; type: SqlType }[];
  /** Index of the rowtime column, -1 without one. */
  rowtime: number;
}

const BRIDGE = Symbol('weir.datastream-table');
type BridgeSource = Source<Row> & { [BRIDGE]: StreamRegistration };

/** Stands in for a DataStream table in a built job until `linkStreams` replaces it by the stream itself. */
function bridgeSource(reg: StreamRegistration): BridgeSource {
  return {
    name: `datastream(${reg.table})`,
    bounded: true,
    [BRIDGE]: reg,
    createReader() { throw new WeirError(`the DataStream table "${reg.table}" was not linked into its job`, { domain: 'internal' }); },
  };
}

function isBridge(n: GraphNode): n is GraphNode & { kind: 'source'; source: BridgeSource } {
  return n.kind === 'source' && BRIDGE in n.source;
}

function tableOf(options: ResolvedOptions): string {
  return options.get('table') ?? '';
}

/** The nodes `nodeId` reads from, itself included, in graph order. */
function upstreamOf(env: StreamExecutionEnvironment, nodeId: number): GraphNode[] {
  const seen = new Set<number>();
  const visit = (id: number): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = env.nodes[id]!;
    if (n.kind !== 'source') for (const e of n.inputs) visit(e.from);
  };
  visit(nodeId);
  return env.nodes.filter((n) => seen.has(n.id));
}

/**
 * Replaces each DataStream table source in `env` by an operator reading the stream. In the shared
 * environment the stream is already there; a SQL job of its own (executeSql) gets a copy of the
 * stream's operators first, so node ids stay in topological order as the runtime expects.
 */
function linkStreams(env: StreamExecutionEnvironment, shared: StreamExecutionEnvironment): void {
  const bridges = env.nodes.filter(isBridge);
  if (bridges.length === 0) return;
  const at = new Map<number, number>();
  if (env !== shared) {
    const copied: GraphNode[] = [];
    const copy = (id: number): number => {
      const done = at.get(id);
      if (done !== undefined) return done;
      const n = shared.nodes[id]!;
      const inputs = n.kind === 'source' ? undefined : n.inputs.map((e) => ({ ...e, from: copy(e.from) }));
      const nid = copied.length;
      copied.push({ ...n, id: nid, ...(inputs ? { inputs } : {}) } as GraphNode);
      at.set(id, nid);
      return nid;
    };
    for (const b of bridges) copy(b.source[BRIDGE].stream.nodeId);
    const offset = copied.length;
    const moved = env.nodes.map((n) => ({ ...n, id: n.id + offset, ...(n.kind === 'source' ? {} : { inputs: n.inputs.map((e) => ({ ...e, from: e.from + offset })) }) }) as GraphNode);
    env.nodes.length = 0;
    env.nodes.push(...copied, ...moved);
  }
  for (const n of env.nodes.filter(isBridge)) {
    const reg = n.source[BRIDGE];
    const from = at.get(reg.stream.nodeId) ?? reg.stream.nodeId;
    env.nodes[n.id] = {
      kind: 'one', id: n.id, name: `from-datastream(${reg.table})`, parallelism: env.nodes[from]!.parallelism, keyed: false,
      inputs: [{ from, partitioning: { kind: 'forward' }, sideTag: reg.stream.sideTag }],
      create: () => objectsToRows(reg),
    };
  }
}

/** Reads each object's properties as the table's columns, with the record's event time as the rowtime. */
function objectsToRows(reg: StreamRegistration): StreamOperator<object, Row> {
  const { columns, rowtime, table } = reg;
  return {
    name: `from-datastream(${table})`,
    processBatch(batch: Batch<object>, out) {
      const rows: Row[] = new Array<Row>(batch.values.length);
      for (let i = 0; i < batch.values.length; i++) {
        const obj = batch.values[i] as Record<string, unknown> | null;
        if (obj === null || typeof obj !== 'object') {
          throw new UserError(`table "${table}": the DataStream holds ${obj === null ? 'null' : typeof obj}, not an object`, { origin: `from-datastream(${table})`, hint: 'map the stream to objects with one property per column first' });
        }
        const row = new Array<unknown>(columns.length);
        for (let c = 0; c < columns.length; c++) {
          if (c === rowtime) {
            const ts = batch.timestamps[i]!;
            if (ts === NO_TIMESTAMP) {
              throw new UserError(`table "${table}": a record has no event time for rowtime column '${columns[c]!.name}'`, {
                origin: `from-datastream(${table})`, hint: 'did you forget to call assignTimestampsAndWatermarks(...) on the stream?',
              });
            }
            row[c] = ts;
          } else {
            const v = obj[columns[c]!.name];
            row[c] = parseValue(v instanceof Date ? v.getTime() : v, columns[c]!.type, columns[c]!.name);
          }
        }
        rows[i] = row;
      }
      out.emitBatch({ values: rows, timestamps: batch.timestamps });
    },
  };
}

function mapOperator<IN, OUT>(name: string, fn: (v: IN) => OUT): StreamOperator<IN, OUT> {
  return { name, processBatch(batch, out) { out.emitBatch({ values: batch.values.map(fn), timestamps: batch.timestamps }); } };
}

function changelogRow(names: readonly string[], kind: RowKind, values: Row): ChangelogRow {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
  return { kind, row, values };
}

function columnType(table: string, column: string, text: string): SqlType {
  try {
    return fromDataType(parseDataType(text));
  } catch (e) {
    throw new UserError(`table "${table}": column '${column}' has type '${text}', which is not a SQL type: ${e instanceof Error ? e.message : String(e)}`, {
      hint: "write a Flink SQL type such as 'BIGINT', 'STRING', 'DOUBLE' or 'DECIMAL(10, 2)'",
    });
  }
}

/**
 * Checkpointing, state backend and metrics of one job from the options and the session's SET
 * statements (Flink's keys; the options win). With `jobIndex`, the job checkpoints into its own
 * subdirectory of the checkpoint directory, so each job resumes on its own.
 */
export function jobSettings(config: ReadonlyMap<string, string>, options: TableEnvironmentOptions, jobIndex: number | undefined): EnvironmentOptions {
  const out: EnvironmentOptions = {};
  const base = options.checkpointDir ?? config.get('execution.checkpointing.dir') ?? config.get('state.checkpoints.dir');
  const interval = config.get('execution.checkpointing.interval');
  const savepoint = options.savepoint ?? config.get('execution.savepoint.path');
  if (interval !== undefined && base === undefined) {
    throw new UserError(`'execution.checkpointing.interval' is set, but there is no checkpoint directory`, {
      hint: "run with --checkpoint-dir DIR (library: the checkpointDir option), or SET 'execution.checkpointing.dir' = '...'",
    });
  }
  if (base !== undefined) {
    const dir = jobIndex === undefined ? base : join(base, `job-${jobIndex}`);
    out.checkpointing = { intervalMs: interval === undefined ? 1000 : parseDuration(interval), dir, restoreFrom: savepoint };
  } else if (savepoint !== undefined) {
    throw new UserError('starting from a savepoint needs a checkpoint directory for the new run', { hint: 'add --checkpoint-dir DIR (library: the checkpointDir option)' });
  }
  const backend = (options.stateBackend ?? config.get('state.backend.type') ?? 'hashmap').toLowerCase();
  if (backend === 'lmdb' || backend === 'rocksdb') {
    out.stateBackend = { kind: 'lmdb', dir: join(base ?? join('.weir', 'state'), 'state', String(jobIndex ?? 0)) };
  } else if (backend !== 'hashmap' && backend !== 'heap') {
    throw new UserError(`unknown state backend '${backend}'`, { hint: "use 'hashmap' (heap, the default) or 'lmdb' (on disk; 'rocksdb' is read as 'lmdb')" });
  }
  if (options.metricsPort !== undefined) out.metricsPort = options.metricsPort;
  return out;
}

function statementAt(statements: Statement[], step: ScriptStep): Statement | undefined {
  const line = step.kind === 'job' ? step.job.line : step.line;
  return statements.find((s) => s.span.line === line);
}

const formatted = (kind: RowKind, values: readonly unknown[], types: readonly SqlType[]): string =>
  `${kind}[${values.map((x, i) => formatValue(x, types[i]!)).join(', ')}]`;

function doneResult(columns: ResultColumn[], rows: ChangelogRow[], text = ''): TableResult {
  const done = Promise.resolve();
  let next = 0;
  return {
    resultKind: columns.length > 0 ? 'SUCCESS_WITH_CONTENT' : 'SUCCESS',
    columns, job: undefined, bounded: true, done,
    cancel: () => done,
    collect: () => { const out = rows.slice(next); next = rows.length; return Promise.resolve(out); },
    print: (write = (t) => process.stdout.write(t)) => { if (text) write(text + '\n'); return done; },
    formatRow: (r) => `${r.kind}[${r.values.map((v) => (v === null ? 'NULL' : String(v))).join(', ')}]`,
    async *[Symbol.asyncIterator]() { while (next < rows.length) yield rows[next++]!; },
  };
}

/**
 * SHOW, DESCRIBE, EXPLAIN and SET give text; as rows, a table (DESCRIBE) becomes one row per line with
 * its header as column names, any other text one row per line.
 */
function textResult(statement: Statement | undefined, text: string): TableResult {
  const lines = text === '' ? [] : text.split('\n');
  if (lines[0]?.startsWith('+-')) {
    const cells = lines.filter((l) => l.startsWith('|')).map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
    const header = cells[0] ?? [];
    const rows = cells.slice(1).map((values) => changelogRow(header, '+I', values));
    return doneResult(header.map((name) => ({ name, type: 'STRING' })), rows, text);
  }
  const column = statement?.kind === 'Explain' ? 'plan' : statement?.kind === 'Set' ? 'setting' : 'name';
  const rows = statement?.kind === 'Explain' ? [changelogRow([column], '+I', [text])] : lines.map((l) => changelogRow([column], '+I', [l]));
  return doneResult([{ name: column, type: 'STRING' }], rows, text);
}

function jobResult(handle: JobHandle, job: SqlJob, queue: RowQueue | undefined): TableResult {
  const sink = job.sinks.find((s) => s.kind === 'collect');
  const types = sink ? sink.fields.map((f) => f.type) : [];
  const done = handle.done.then(() => { queue?.end(); }, (e: unknown) => { queue?.end(e); throw e; });
  done.catch(() => {});
  const result: TableResult = {
    resultKind: sink ? 'SUCCESS_WITH_CONTENT' : 'SUCCESS',
    columns: sink ? sink.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })) : [],
    job: handle, bounded: job.bounded, done,
    cancel: () => { queue?.stopReading(); return handle.cancel(); },
    async collect() {
      const out: ChangelogRow[] = [];
      for await (const r of result) out.push(r);
      return out;
    },
    async print(write = (t) => process.stdout.write(t)) {
      if (queue) {
        for await (const batch of queue.batches()) write(batch.map((r) => formatted(r.kind, r.values, types) + '\n').join(''));
      }
      await done;
    },
    formatRow: (r) => formatted(r.kind, r.values, types),
    async *[Symbol.asyncIterator]() {
      if (!queue) return;
      let readAll = false;
      try {
        for await (const batch of queue.batches()) yield* batch;
        readAll = true;
      } finally {
        // As Flink's collect iterator: closing it early (a `break` out of `for await`) ends an unbounded
        // job, whose rows would otherwise pile up with nobody left to read them.
        if (!readAll && !job.bounded) result.cancel().catch(() => {});
      }
    },
  };
  return result;
}

/** Rows read ahead of the reader before a SELECT's job waits for it. */
const READ_AHEAD = 10_000;

/**
 * The rows of a SELECT between its job and the reader. A bounded job only waits for the reader once one
 * has started reading, so a bounded job nobody reads still finishes (its rows wait in memory). An
 * unbounded job waits from the start, as it would otherwise fill memory before anyone reads, until its
 * reader goes away (`stopReading`).
 */
class RowQueue {
  private pending: ChangelogRow[][] = [];
  private head = 0;
  private size = 0;
  private reading = false;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  /** Writers waiting for the reader: one per parallel subtask of the sink at most. */
  private drained: (() => void)[] = [];
  /** Set once a reader has gone: from then on the job never waits, so cancelling it cannot hang. */
  private abandoned = false;
  private readonly names: string[];

  constructor(private readonly select: SqlJobSink, private readonly bounded: boolean) {
    this.names = select.fields.map((f) => f.name);
  }

  sink(): Sink<Row | ChangeRow> {
    const { names, select } = this;
    return {
      name: `result(${select.name})`,
      createWriter: () => ({
        write: (batch): void | Promise<void> => {
          const rows = batch.values.map((v) => select.updating ? changelogRow(names, (v as ChangeRow).op, (v as ChangeRow).row) : changelogRow(names, '+I', v as Row));
          this.pending.push(rows);
          this.size += rows.length;
          this.wake?.();
          const waitForReader = this.reading || (!this.bounded && !this.abandoned);
          if (waitForReader && this.size > READ_AHEAD) return new Promise<void>((resolve) => { this.drained.push(resolve); });
        },
      }),
    };
  }

  end(error?: unknown): void {
    this.ended = true;
    this.error = error;
    this.wake?.();
  }

  /** The reader has gone: the job no longer waits for it. */
  stopReading(): void {
    this.reading = false;
    this.abandoned = true;
    this.release();
  }

  private release(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resume of waiting) resume();
  }

  async *batches(): AsyncGenerator<ChangelogRow[]> {
    this.reading = true;
    try {
      yield* this.read();
    } finally {
      this.stopReading();
    }
  }

  private async *read(): AsyncGenerator<ChangelogRow[]> {
    for (;;) {
      const batch = this.pending[this.head];
      if (batch) {
        this.pending[this.head++] = [];
        if (this.head === this.pending.length) { this.pending = []; this.head = 0; }
        this.size -= batch.length;
        if (this.size <= READ_AHEAD / 2) this.release();
        yield batch;
        continue;
      }
      this.release();
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
  }
}
