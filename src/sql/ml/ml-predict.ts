import type { DataStream } from '../../api/datastream.js';
import type { Row } from '../../connectors/registry.js';
import type { OutputColumn } from '../../ml/index.js';
import type * as A from '../parser/index.js';
import type { ScopeField } from '../expr/scope.js';
import { planError, unsupported } from '../planner/errors.js';
import type { Rel } from '../planner/logical.js';
import type { QueryPlanner } from '../planner/query-planner.js';
import { castFn } from '../types/cast.js';
import type { CastFn } from '../types/cast.js';
import { T, isCharacter, typeToString, withNullable, withoutTimeAttribute } from '../types/sql-type.js';
import type { SqlType } from '../types/sql-type.js';
import { abKeyIndex, compileFallback, modelsOf, parseDurationMs } from './model-catalog.js';
import type { ModelDefinition } from './model-catalog.js';
import { MlPredictOperator } from './ml-predict-operator.js';
import type { MlPredictSpec } from './ml-predict-operator.js';
import { parseCount, parseOrdered, translateRemoteMlPredict } from './remote-predict.js';

/**
 * The column ML_PREDICT adds after the model's outputs (a weir extension): `model:v3` for a registry
 * model, `model:<file name>` for a file, or `fallback`.
 */
export const SCORED_BY = 'scored_by';

/**
 * `ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(c1, …)[, MAP[…]])`: rows of `input` followed by the model's
 * OUTPUT columns and `scored_by`.
 */
export interface MlPredictRel {
  kind: 'MlPredict';
  input: Rel;
  fields: ScopeField[];
  updating: false;
  model: ModelDefinition;
  /** Positions in the input row of the DESCRIPTOR columns, one per model INPUT column. */
  inputIndexes: number[];
  /** Casts of the descriptor columns to the model INPUT types (undefined where the types already match). */
  inputCasts: (CastFn | undefined)[];
  fallback?: (inputs: unknown[]) => unknown;
  timeoutMs?: number;
  /** For a remote model: requests in flight and output order, after the config map's overrides. */
  remote?: { maxInFlight: number; ordered: boolean };
  /** Position in the input row of the model's `'ab.key'` column. */
  keyIndex?: number;
  /** Plan text: `ML_PREDICT(model=[m], args=[a, b], config=[...])`. */
  text: string;
}

/** Keys of the config map, as Flink 2.1 names them. Concurrency and ordering apply to remote models only. */
const CONFIG_KEYS: Readonly<Record<string, string>> = {
  timeout: "per-batch (remote: per-request) time limit, overrides the model's 'timeout'",
  async: 'accepted; weir always scores asynchronously, one run() per batch',
  'max-concurrent-operations': "remote models: requests in flight per subtask, overrides the model's; onnx: one batch at a time",
  'output-mode': "remote models: 'ordered' or 'allow_unordered'; onnx: always in input order",
  'output-buffer-capacity': 'accepted; not used',
};

const NUMERIC_RANK: Readonly<Record<string, number>> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4, DECIMAL: 5, FLOAT: 6, DOUBLE: 7 };

/** Flink's implicit casts for descriptor columns: the same type, a string to a string, or a number to a wider number. */
function implicitlyCastable(from: SqlType, to: SqlType): boolean {
  if (from.kind === to.kind || from.kind === 'NULL') return true;
  if (isCharacter(from) && isCharacter(to)) return true;
  const a = NUMERIC_RANK[from.kind];
  const b = NUMERIC_RANK[to.kind];
  return a !== undefined && b !== undefined && a <= b;
}

/** True when a table function call in FROM is ML_PREDICT. */
export function isMlPredict(ref: A.TableFunctionRef): boolean {
  return ref.call.name.join('.').toUpperCase() === 'ML_PREDICT';
}

type Ctes = Parameters<QueryPlanner['planNamed']>[2];

/**
 * Plans ML_PREDICT in FROM. Arguments are positional or named (`INPUT =>`, `MODEL =>`, `ARGS =>`,
 * `CONFIG =>`). The DESCRIPTOR lists one input column per model INPUT column, in order; as in Flink a
 * column must be implicitly castable to its INPUT type (the same type, or a narrower number).
 */
export function planMlPredict(planner: QueryPlanner, ref: A.TableFunctionRef, ctes: Ctes): MlPredictRel {
  const source = planner.source;
  const call = ref.call;
  if (ref.lateral) throw unsupported(source, ref.span, 'LATERAL ML_PREDICT');
  const params = ['INPUT', 'MODEL', 'ARGS', 'CONFIG'];
  const named = new Map<string, A.Expr>();
  let pos = 0;
  for (const a of call.args) {
    if (a.kind === 'NamedArgument') {
      const k = a.name.toUpperCase();
      if (!params.includes(k)) throw planError(source, a.span, `ML_PREDICT has no parameter ${k}`, `parameters: ${params.join(', ')}`);
      named.set(k, a.value);
    } else {
      if (pos >= params.length) throw planError(source, a.span, `ML_PREDICT takes at most ${params.length} arguments: TABLE t, MODEL m, DESCRIPTOR(columns), MAP[config]`);
      named.set(params[pos++]!, a);
    }
  }
  const data = named.get('INPUT');
  const modelArg = named.get('MODEL');
  const args = named.get('ARGS');
  if (data === undefined || modelArg === undefined || args === undefined) {
    throw planError(source, call.span, 'ML_PREDICT needs a table, a model and the input columns', 'ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(c1, c2, ...))');
  }

  let input: Rel;
  if (data.kind === 'TableArgument') {
    if (data.partitionBy.length > 0 || data.orderBy.length > 0) throw unsupported(source, data.span, 'PARTITION BY / ORDER BY in the table argument of ML_PREDICT');
    input = planner.planTableRef({ kind: 'NamedTable', name: data.table, span: data.span } as A.TableRef, ctes);
  } else if (data.kind === 'Subquery') {
    input = planner.planQuery(data.query, ctes);
  } else {
    throw planError(source, data.span, 'the first argument of ML_PREDICT must be TABLE name or a subquery');
  }
  if (input.updating) throw planError(source, data.span, 'ML_PREDICT needs an insert-only input, but its input produces updates');

  if (modelArg.kind !== 'ModelArgument') throw planError(source, modelArg.span, 'the second argument of ML_PREDICT must be MODEL name');
  const models = modelsOf(planner.ctx.catalog);
  const modelName = modelArg.name[modelArg.name.length - 1]!;
  const model = models.get(modelName);
  if (!model) {
    throw planError(source, modelArg.span, `Model '${modelArg.name.join('.')}' not found`,
      models.size > 0 ? `known models: ${[...models.keys()].join(', ')}` : 'create it with CREATE MODEL first');
  }

  if (args.kind !== 'Descriptor') throw planError(source, args.span, 'the third argument of ML_PREDICT must be DESCRIPTOR(column, ...)');
  if (args.columns.length !== model.inputs.length) {
    throw planError(source, args.span, `Number of descriptor input columns (${args.columns.length}) does not match model input size (${model.inputs.length})`,
      `model '${model.name}' takes ${model.inputs.map((c) => `${c.name} ${typeToString(c.type)}`).join(', ')}: list one column per INPUT column, in order`);
  }
  const timeZone = planner.ctx.timeZone;
  const inputIndexes: number[] = [];
  const inputCasts: (CastFn | undefined)[] = [];
  args.columns.forEach((col, k) => {
    const i = input.fields.findIndex((f) => f.name === col);
    if (i < 0) throw planError(source, args.span, `Column '${col}' not found in the input of ML_PREDICT`, `columns: ${input.fields.map((f) => f.name).join(', ')}`);
    const from = withoutTimeAttribute(input.fields[i]!.type);
    const to = model.inputs[k]!.type;
    inputIndexes.push(i);
    if (!implicitlyCastable(from, to)) {
      throw planError(source, args.span, `Descriptor column type ${typeToString(from)} cannot be assigned to model input type ${typeToString(to)} at position ${k}`,
        `CAST column '${col}' in a subquery, or declare model INPUT '${model.inputs[k]!.name}' as ${typeToString(withNullable(from, true))}`);
    }
    inputCasts.push(from.kind === to.kind || (isCharacter(from) && isCharacter(to)) ? undefined : castFn(from, to, { timeZone }));
  });

  let timeoutMs = model.timeoutMs;
  const remote = model.source.kind === 'remote' ? { maxInFlight: model.source.maxInFlight, ordered: model.source.ordered } : undefined;
  const config = named.get('CONFIG');
  const configText: string[] = [];
  if (config) {
    if (config.kind !== 'MapConstructor') throw planError(source, config.span, "the config of ML_PREDICT must be MAP['key', 'value', ...]");
    for (const { key, value } of config.entries) {
      if (key.kind !== 'StringLiteral' || value.kind !== 'StringLiteral') throw planError(source, key.span, 'ML_PREDICT config keys and values must be string literals');
      if (!(key.value in CONFIG_KEYS)) {
        throw planError(source, key.span, `Unsupported ML_PREDICT config '${key.value}'`, `supported: ${Object.keys(CONFIG_KEYS).join(', ')}`);
      }
      if (key.value === 'timeout') {
        const ms = parseDurationMs(value.value);
        if (ms === undefined || !(ms > 0)) throw planError(source, value.span, `ML_PREDICT config 'timeout' = '${value.value}' is not a duration`, "write it like '50ms' or '2s'");
        timeoutMs = ms;
      }
      if (remote && key.value === 'max-concurrent-operations') remote.maxInFlight = parseCount(value.value, "ML_PREDICT config 'max-concurrent-operations'", source, value.span, 1);
      if (remote && key.value === 'output-mode') remote.ordered = parseOrdered('output-mode', value.value, source, value.span);
      configText.push(`${key.value}=${value.value}`);
    }
  }

  // As Flink: output names that clash with input columns get a numeric suffix (score -> score0).
  const taken = new Set(input.fields.map((f) => f.name));
  const unique = (name: string): string => {
    let candidate = name;
    for (let n = 0; taken.has(candidate); n++) candidate = `${name}${n}`;
    taken.add(candidate);
    return candidate;
  };
  const fields: ScopeField[] = [...input.fields];
  for (const o of model.outputs) fields.push({ name: unique(o.name), type: withNullable(o.type, true) });
  fields.push({ name: unique(SCORED_BY), type: T.string(false) });

  const rel: MlPredictRel = {
    kind: 'MlPredict', input, fields, updating: false, model, inputIndexes, inputCasts,
    text: `ML_PREDICT(model=[${model.name}], args=[${args.columns.join(', ')}]${configText.length ? `, config=[${configText.join(', ')}]` : ''})`,
  };
  if (timeoutMs !== undefined) rel.timeoutMs = timeoutMs;
  if (remote) rel.remote = remote;
  if (model.abKey !== undefined) rel.keyIndex = abKeyIndex(model, input.fields, source, modelArg.span);
  if (model.fallback) rel.fallback = compileFallback(model, planner.ctx.functions, timeZone);
  return rel;
}

/** The operator spec of a planned ML_PREDICT. */
export function mlPredictSpec(rel: MlPredictRel): MlPredictSpec {
  const outputs: OutputColumn[] = rel.model.outputs.map((o) => ({ name: o.name, type: typeToString(withNullable(o.type, true)) }));
  const spec: MlPredictSpec = {
    model: rel.model.name,
    // A remote model is opened by `openScorer` (remote-predict.ts); its `source` only names the server.
    source: rel.model.source.kind === 'remote' ? { kind: 'path', path: rel.model.source.endpoint } : rel.model.source,
    inputNames: rel.model.inputs.map((c) => c.name),
    inputIndexes: rel.inputIndexes,
    inputCasts: rel.inputCasts,
    outputs,
  };
  if (rel.fallback) spec.fallback = rel.fallback;
  if (rel.timeoutMs !== undefined) spec.timeoutMs = rel.timeoutMs;
  if (rel.keyIndex !== undefined) spec.keyIndex = rel.keyIndex;
  if (rel.model.shadowLog !== undefined) spec.shadowLog = rel.model.shadowLog;
  if (rel.model.maxBatchRows !== undefined) spec.maxBatchRows = rel.model.maxBatchRows;
  return spec;
}

/** Adds the ML_PREDICT operator after `input` (the planner's physical translation calls this). */
export function translateMlPredict(input: DataStream<Row>, rel: MlPredictRel): DataStream<Row> {
  const spec = mlPredictSpec(rel);
  const src = rel.model.source;
  if (src.kind === 'remote') {
    return translateRemoteMlPredict(input, spec, { source: src, maxInFlight: rel.remote!.maxInFlight, ordered: rel.remote!.ordered, ...(rel.timeoutMs !== undefined ? { timeoutMs: rel.timeoutMs } : {}) });
  }
  return input.transform(`ml-predict(${rel.model.name})`, () => new MlPredictOperator(spec));
}
