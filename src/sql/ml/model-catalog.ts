import { isAbsolute, resolve } from 'node:path';
import type { Catalog } from '../catalog/index.js';
import { compileExpr } from '../expr/compile.js';
import { Scope } from '../expr/scope.js';
import type { FunctionCatalog } from '../functions/catalog.js';
import { parseExpression, unparse } from '../parser/index.js';
import type * as A from '../parser/index.js';
import { planError, positioned, unsupported } from '../planner/errors.js';
import { fromDataType, typeToString, withNullable } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import type { ModelSource } from '../../ml/predict-operator.js';
import { REMOTE_MODEL_OPTIONS, REMOTE_PROVIDERS, checkLocalOptions, remoteSource } from './remote-predict.js';
import type { RemoteSource } from './remote-predict.js';

/** One INPUT or OUTPUT column of a model. */
export interface ModelColumn {
  name: string;
  type: SqlType;
}

/** Where the model's ONNX file comes from. */
export type { ModelSource } from '../../ml/predict-operator.js';

/**
 * A model created with `CREATE MODEL`: its schema, where it is loaded from (or, for a remote provider,
 * which model server scores it) and how rows are scored
 * when it cannot score them (`fallback`). Loading happens when a job runs, not at `CREATE MODEL`, as
 * in Flink, so a missing file shows up as fallback scores (or a failed job without a fallback).
 */
export interface ModelDefinition {
  name: string;
  inputs: ModelColumn[];
  outputs: ModelColumn[];
  source: ModelSource | RemoteSource;
  /** SQL expression over the INPUT columns that gives the first OUTPUT column when the model cannot. */
  fallback?: { text: string; expr: A.Expr };
  /** A batch (for a remote model: one request) not scored within this time gets the fallback (or fails the job). */
  timeoutMs?: number;
  /** Rows per `session.run()`; default the ONNX core's 4096. */
  maxBatchRows?: number;
  /** Column of the ML_PREDICT input whose value routes a row in an A/B test (`'ab.key'`). */
  abKey?: string;
  /** JSON-lines file the shadow comparisons are appended to (`'shadow.log'`), absolute. */
  shadowLog?: string;
  options: ReadonlyMap<string, string>;
  ddl: A.CreateModel;
}

/** The WITH options `CREATE MODEL` understands. */
export const MODEL_OPTIONS: Readonly<Record<string, string>> = {
  provider: "'onnx' (scored in the stream), or 'kserve' / 'tfserving' (a model server over HTTP); required",
  path: 'the .onnx file (relative paths are resolved against the working directory)',
  registry: 'a model registry directory (`weir model register`); with \'model\'',
  model: "the registered model name (its production version is scored and promotions are followed); for a remote provider the model's name on the server, default the SQL name",
  fallback: 'SQL expression over the INPUT columns giving the first OUTPUT column when the model cannot score a row',
  timeout: "how long one batch (remote: one request) may take, e.g. '50ms' or '2s'",
  'max-batch-rows': "rows per onnxruntime run(), or per request to a model server (default '128')",
  task: 'accepted for Flink compatibility (classification, regression, …); not used',
  'ab.key': "column of the scored table whose hash picks the A/B side of a row (e.g. 'card_id'); default: the INPUT values",
  'shadow.log': 'JSON-lines file where rows scored by a shadow version are logged beside the production scores',
  // endpoint, model-version, max-retries, max-concurrent-operations, output-mode and their aliases
  ...REMOTE_MODEL_OPTIONS,
};

/** Output column types the ONNX core can convert to the SQL value representation. */
const OUTPUT_KINDS = new Set(['DOUBLE', 'FLOAT', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'CHAR']);
const INPUT_KINDS = new Set(['DOUBLE', 'FLOAT', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'CHAR']);

/*
 * Models live beside the catalog's tables rather than in it: Flink keeps models in their own
 * namespace, and this keeps the table catalog's interface unchanged.
 */
const MODELS = new WeakMap<Catalog, Map<string, ModelDefinition>>();

/** The models of a session catalog (created on first use). */
export function modelsOf(catalog: Catalog): Map<string, ModelDefinition> {
  let m = MODELS.get(catalog);
  if (!m) {
    m = new Map();
    MODELS.set(catalog, m);
  }
  return m;
}

/** Parses `'50ms'`, `'2s'`, `'1 min'`, `'250'` (ms) into milliseconds; undefined when it is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|milli|millis|s|sec|secs|second|seconds|min|mins|minute|minutes)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  if (unit.startsWith('mi') && unit !== 'milli' && unit !== 'millis') return n * 60_000;
  if (unit.startsWith('s')) return n * 1000;
  return n;
}

function columns(cols: A.PhysicalColumn[], what: 'INPUT' | 'OUTPUT', source: string, kinds: Set<string>, span: A.Span): ModelColumn[] {
  const out: ModelColumn[] = [];
  for (const c of cols) {
    if (out.some((x) => x.name === c.name)) throw planError(source, c.span, `Model ${what} column '${c.name}' is declared twice`);
    const type = fromDataType(c.type);
    if (!kinds.has(type.kind)) {
      throw planError(source, c.span, `Model ${what} column '${c.name}' has type ${typeToString(type)}, which ONNX scoring does not support`,
        'use DOUBLE, FLOAT, INT, BIGINT, BOOLEAN or STRING (CAST DECIMAL columns to DOUBLE)');
    }
    out.push({ name: c.name, type });
  }
  if (out.length === 0) throw planError(source, span, `a model needs at least one ${what} column`);
  return out;
}

/**
 * Compiles a model's fallback expression against its INPUT columns, cast to the type of its first
 * OUTPUT column. Returns the function that gives the fallback value for the input values of a row.
 */
export function compileFallback(def: ModelDefinition, functions: FunctionCatalog, timeZone: string): (inputs: unknown[]) => unknown {
  if (!def.fallback) throw new Error(`internal: model ${def.name} has no fallback`);
  const target = def.outputs[0]!.type;
  // The CAST is written as SQL and parsed, so the AST shape stays the parser's business.
  const text = `CAST((${def.fallback.text}) AS ${typeToString(withNullable(target, true))})`;
  const scope = new Scope(def.inputs.map((c) => ({ name: c.name, type: withNullable(c.type, true) })));
  const compiled = compileExpr(parseExpression(text), scope, functions, { timeZone });
  return (inputs) => compiled.eval(inputs);
}

/**
 * `CREATE MODEL name INPUT (...) OUTPUT (...) WITH (...)`: checks the schema and options and adds the
 * model to the session. Throws positioned SQL errors.
 */
export function createModel(st: A.CreateModel, catalog: Catalog, functions: FunctionCatalog, source: string): ModelDefinition | undefined {
  if (st.name.length > 1) throw unsupported(source, st.span, 'catalog-qualified model names');
  const name = st.name[0]!;
  const models = modelsOf(catalog);
  if (models.has(name)) {
    if (st.ifNotExists) return undefined;
    throw planError(source, st.span, `Model "${name}" already exists`, 'use CREATE MODEL IF NOT EXISTS, or DROP MODEL first');
  }
  const inputs = columns(st.input, 'INPUT', source, INPUT_KINDS, st.span);
  const outputs = columns(st.output, 'OUTPUT', source, OUTPUT_KINDS, st.span);
  const options = new Map(st.options.map((p) => [p.key, p.value]));
  for (const k of options.keys()) {
    if (!(k in MODEL_OPTIONS)) {
      throw planError(source, st.span, `Unsupported option '${k}' for model "${name}"`, `supported options: ${Object.keys(MODEL_OPTIONS).join(', ')}`);
    }
  }
  const provider = options.get('provider');
  if (provider === undefined) throw planError(source, st.span, `Model "${name}" has no 'provider' option`, "add 'provider' = 'onnx' to WITH (...)");
  const kind = provider.toLowerCase();
  const remote = (REMOTE_PROVIDERS as readonly string[]).includes(kind);
  if (kind !== 'onnx' && !remote) {
    throw planError(source, st.span, `Model "${name}": provider '${provider}' is not supported`,
      `use 'onnx' (scored in the stream) or ${REMOTE_PROVIDERS.map((p) => `'${p}'`).join(' / ')} (a model server)`);
  }
  const path = options.get('path');
  const registry = options.get('registry');
  const model = options.get('model');
  let src: ModelSource | RemoteSource;
  const maxRows = options.get('max-batch-rows');
  let maxBatchRows: number | undefined;
  if (maxRows !== undefined) {
    const n = Number(maxRows);
    if (!Number.isInteger(n) || n < 1) throw planError(source, st.span, `Model "${name}": 'max-batch-rows' must be a positive integer, got '${maxRows}'`);
    maxBatchRows = n;
  }
  if (remote) {
    src = remoteSource(name, kind as RemoteSource['provider'], options, maxBatchRows, source, st.span);
  } else {
    checkLocalOptions(name, options, source, st.span);
    src = localSource(name, path, registry, model, source, st.span);
  }
  const def: ModelDefinition = { name, inputs, outputs, source: src, options, ddl: st };
  const timeout = options.get('timeout');
  if (timeout !== undefined) {
    const ms = parseDurationMs(timeout);
    if (ms === undefined || !(ms > 0)) throw planError(source, st.span, `Model "${name}": 'timeout' = '${timeout}' is not a duration`, "write it like '50ms' or '2s'");
    def.timeoutMs = ms;
  }
  if (maxBatchRows !== undefined) def.maxBatchRows = maxBatchRows;
  const abKey = options.get('ab.key');
  if (abKey !== undefined) def.abKey = abKey;
  const shadowLog = options.get('shadow.log');
  if (shadowLog !== undefined) def.shadowLog = isAbsolute(shadowLog) ? shadowLog : resolve(shadowLog);
  const fallback = options.get('fallback');
  if (fallback !== undefined) {
    let expr: A.Expr;
    try {
      expr = parseExpression(fallback);
    } catch (e) {
      throw planError(source, st.span, `Model "${name}": cannot parse 'fallback' = '${fallback}': ${(e as Error).message}`, 'write one SQL expression over the INPUT columns');
    }
    def.fallback = { text: unparse(expr), expr };
    try {
      compileFallback(def, functions, catalog.config.get('table.local-time-zone') ?? 'UTC');
    } catch (e) {
      const err = positioned(e, fallback) as Error;
      throw planError(source, st.span, `Model "${name}": 'fallback' does not compile against the INPUT columns (${inputs.map((c) => c.name).join(', ')}): ${err.message}`,
        `the expression must give a value castable to ${typeToString(outputs[0]!.type)}`);
    }
  }
  models.set(name, def);
  return def;
}

/** Where an onnx model is loaded from: `'path'`, or `'registry'` and `'model'`. */
function localSource(name: string, path: string | undefined, registry: string | undefined, model: string | undefined, source: string, span: A.Span): ModelSource {
  if (path !== undefined && registry === undefined && model === undefined) return { kind: 'path', path: isAbsolute(path) ? path : resolve(path) };
  if (path === undefined && registry !== undefined && model !== undefined) return { kind: 'registry', dir: isAbsolute(registry) ? registry : resolve(registry), model };
  throw planError(source, span, `Model "${name}" needs either 'path' or both 'registry' and 'model'`,
    "e.g. 'path' = 'models/fraud.onnx', or 'registry' = '.weir/models', 'model' = 'fraud'");
}

/** `DROP MODEL [IF EXISTS] name`. */
export function dropModel(name: string, catalog: Catalog, ifExists: boolean, source: string, span: A.Span): void {
  const models = modelsOf(catalog);
  if (!models.delete(name) && !ifExists) {
    throw planError(source, span, `Model "${name}" does not exist`, `existing models: ${[...models.keys()].join(', ') || 'none'}`);
  }
}

/** Where the model's `'ab.key'` column sits in the rows ML_PREDICT scores; a positioned error when it is not there. */
export function abKeyIndex(def: ModelDefinition, fields: readonly { name: string }[], source: string, span: A.Span): number {
  const i = fields.findIndex((f) => f.name === def.abKey);
  if (i < 0) {
    throw planError(source, span, `Model "${def.name}": 'ab.key' column '${def.abKey}' is not a column of the ML_PREDICT input`,
      `columns: ${fields.map((f) => f.name).join(', ')}`);
  }
  return i;
}
