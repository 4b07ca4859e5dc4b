import type { DataStream } from '../../api/datastream.js';
import type { Row } from '../../connectors/registry.js';
import { RemoteModel, chunkedAsyncOperator } from '../../ml/remote/index.js';
import type { RemoteModelOptions } from '../../ml/remote/index.js';
import type * as A from '../parser/index.js';
import { planError } from '../planner/errors.js';
import { MlPredictOperator } from './ml-predict-operator.js';
import type { MlPredictSpec } from './ml-predict-operator.js';

/** A model served by a model server over HTTP (`'provider' = 'kserve' | 'tfserving'`). */
export interface RemoteSource {
  kind: 'remote';
  provider: 'kserve' | 'tfserving';
  endpoint: string;
  /** The model's name on the server. */
  model: string;
  version?: string;
  maxRetries?: number;
  /** Requests in flight per ML_PREDICT subtask. */
  maxInFlight: number;
  /** Rows per request. */
  maxBatchRows: number;
  ordered: boolean;
}

/** WITH options of remote models, with Flink's names where Flink has one. */
export const REMOTE_MODEL_OPTIONS: Readonly<Record<string, string>> = {
  endpoint: "the model server's base URL, e.g. 'http://127.0.0.1:8090' (kserve, tfserving)",
  'model-name': "alias of 'model' for a remote provider",
  'model-version': 'the model version on the server; default the server\'s',
  'max-retries': "further attempts after a connection error, 429 or 5xx (never after a 4xx or a timeout); default '2'",
  'max-concurrent-operations': "requests in flight per ML_PREDICT subtask (Flink's name); default '8'",
  'max-in-flight': "alias of 'max-concurrent-operations'",
  'output-mode': "'ordered' (default) or 'allow_unordered': rows of later requests may overtake earlier ones",
  ordered: "alias of 'output-mode': 'true' or 'false'",
};

/** Providers reached over HTTP, by their `'provider'` value. */
export const REMOTE_PROVIDERS = ['kserve', 'tfserving'] as const;

/** Options only a remote provider understands (`model` is shared with the registry). */
const REMOTE_ONLY = Object.keys(REMOTE_MODEL_OPTIONS);

/** Reads an integer option of at least `min`; throws a positioned error naming it (`what`) otherwise. */
export function parseCount(text: string, what: string, source: string, span: A.Span, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw planError(source, span, `${what} must be an integer of at least ${min}, got '${text}'`);
  return n;
}

/** True for ordered output: reads `'output-mode'` (`ordered` / `allow_unordered`) or its alias `'ordered'` (`true` / `false`). */
export function parseOrdered(key: string, value: string, source: string, span: A.Span): boolean {
  const v = value.trim().toLowerCase();
  if (key === 'ordered' && (v === 'true' || v === 'false')) return v === 'true';
  if (key === 'output-mode' && (v === 'ordered' || v === 'allow_unordered' || v === 'unordered')) return v === 'ordered';
  throw planError(source, span, `'${key}' = '${value}' is not understood`, key === 'ordered' ? "use 'true' or 'false'" : "use 'ordered' or 'allow_unordered'");
}

/**
 * The source of a model whose provider is a model server, from the WITH options of `CREATE MODEL`.
 * Throws positioned SQL errors naming the option.
 */
export function remoteSource(name: string, provider: RemoteSource['provider'], options: ReadonlyMap<string, string>, maxBatchRows: number | undefined, source: string, span: A.Span): RemoteSource {
  for (const k of ['path', 'registry']) {
    if (options.has(k)) throw planError(source, span, `Model "${name}": '${k}' does not apply to provider '${provider}'`, "a remote model is reached at 'endpoint'");
  }
  const endpoint = options.get('endpoint');
  if (endpoint === undefined) throw planError(source, span, `Model "${name}": provider '${provider}' needs 'endpoint'`, "e.g. 'endpoint' = 'http://127.0.0.1:8090'");
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw planError(source, span, `Model "${name}": 'endpoint' = '${endpoint}' is not an http(s) URL`, "write it like 'http://127.0.0.1:8090'");
  }
  // Flink's option names and weir's aliases: both of a pair given is an error, not a silent choice.
  for (const [a, b] of [['model', 'model-name'], ['max-concurrent-operations', 'max-in-flight'], ['output-mode', 'ordered']] as const) {
    if (options.has(a) && options.has(b)) {
      throw planError(source, span, `Model "${name}": '${a}' and '${b}' are the same option`, `keep one of them`);
    }
  }
  const model = options.get('model') ?? options.get('model-name') ?? name;
  const src: RemoteSource = { kind: 'remote', provider, endpoint, model, maxInFlight: 8, maxBatchRows: maxBatchRows ?? 128, ordered: true };
  const version = options.get('model-version');
  if (version !== undefined) src.version = version;
  const retries = options.get('max-retries');
  if (retries !== undefined) src.maxRetries = parseCount(retries, `Model "${name}": 'max-retries'`, source, span, 0);
  const inFlight = options.get('max-concurrent-operations') ?? options.get('max-in-flight');
  if (inFlight !== undefined) src.maxInFlight = parseCount(inFlight, `Model "${name}": 'max-concurrent-operations'`, source, span, 1);
  for (const k of ['output-mode', 'ordered']) {
    const v = options.get(k);
    if (v !== undefined) src.ordered = parseOrdered(k, v, source, span);
  }
  return src;
}

/** Throws when a local model (onnx) is given an option only remote models understand. */
export function checkLocalOptions(name: string, options: ReadonlyMap<string, string>, source: string, span: A.Span): void {
  const wrong = REMOTE_ONLY.filter((k) => options.has(k));
  if (wrong.length > 0) {
    throw planError(source, span, `Model "${name}": ${wrong.map((k) => `'${k}'`).join(', ')} only apply to a remote provider`, `set 'provider' to ${REMOTE_PROVIDERS.join(' or ')}`);
  }
}

/** Per-query settings of a remote ML_PREDICT (its MAP config overrides the model's options). */
export interface RemotePredictSettings {
  source: RemoteSource;
  timeoutMs?: number;
  maxInFlight: number;
  ordered: boolean;
}

/**
 * ML_PREDICT on a remote model: `MlPredictOperator` (casts, fallback, counters, `scored_by`) with a
 * `RemoteModel` as its scorer, run on chunks of `maxBatchRows` rows of which `maxInFlight` are in flight
 * at once. The model's `timeout` limits each request (its own retries run within the operator's
 * patience), so the operator itself sets no batch time limit.
 */
export function translateRemoteMlPredict(input: DataStream<Row>, spec: MlPredictSpec, settings: RemotePredictSettings): DataStream<Row> {
  const src = settings.source;
  const options: RemoteModelOptions = {
    provider: src.provider, endpoint: src.endpoint, model: src.model, maxInFlight: settings.maxInFlight, maxBatchRows: src.maxBatchRows,
  };
  if (src.version !== undefined) options.version = src.version;
  if (src.maxRetries !== undefined) options.maxRetries = src.maxRetries;
  if (settings.timeoutMs !== undefined) options.timeoutMs = settings.timeoutMs;
  const remoteSpec: MlPredictSpec = { ...spec, openScorer: () => RemoteModel.open(options) };
  delete remoteSpec.timeoutMs;
  return input.transform(`ml-predict(${spec.model})`, () => chunkedAsyncOperator(new MlPredictOperator(remoteSpec), {
    chunkRows: src.maxBatchRows, maxInFlight: settings.maxInFlight, ordered: settings.ordered,
  }));
}
