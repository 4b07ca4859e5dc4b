/**
 * What a model server protocol has to say: where to send a batch, how rows become a request body and
 * how a response body becomes output tensors. The HTTP, retry and in-flight logic in `RemoteModel` is
 * the same for every protocol.
 */

/** Element types of the KServe v2 protocol; TF Serving requests are typed by the JSON values alone. */
export type RemoteDatatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** One input tensor of a request: its name, element type and the row columns stacked into it. */
export interface RemoteInput {
  name: string;
  datatype: RemoteDatatype;
  columns: string[];
  /** True when the tensor is `[N]` rather than `[N, k]` (one column, and the model declares one dimension). */
  flat: boolean;
}

/** An input or output tensor as the server describes it (model metadata). */
export interface TensorMetadata {
  name: string;
  datatype?: string;
  /** -1 for a dimension the server leaves open (the batch). */
  shape?: number[];
}

/** One output of a response: values flattened in row-major order, `width` values per row. */
export interface RemoteOutput {
  name: string;
  width: number;
  values: unknown[];
}

/** A request body ready to send: `inputs[i].values` are the row-major values of the tensor of `rows` rows. */
export interface EncodedInput {
  input: RemoteInput;
  values: unknown[];
}

/** One model server protocol. */
export interface RemoteProtocol {
  /** `kserve` or `tfserving`: the prefix of `scored_by`. */
  readonly kind: string;
  inferUrl(endpoint: string, model: string, version: string | undefined): string;
  /** Where the model's description is (a 404 there means the server does not have the model). */
  metadataUrl(endpoint: string, model: string, version: string | undefined): string;
  encode(inputs: EncodedInput[], rows: number): unknown;
  /** Reads a response; throws a plain `Error` saying what is wrong with it. */
  decode(body: unknown, rows: number): RemoteOutput[];
  /** The model's input tensors from its metadata; empty when the server does not say. */
  inputsOf(metadata: unknown): TensorMetadata[];
}

/** Flattens nested arrays (servers may send `data` nested by shape although the protocol says flat). */
export function flatten(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [value];
  if (!value.some(Array.isArray)) return value;
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(v);
  };
  walk(value);
  return out;
}

/** `http://host:port/` -> `http://host:port` so paths can be appended. */
export function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * KServe v2 / Open Inference Protocol over REST: `POST /v2/models/{name}[/versions/{v}]/infer` with
 * `inputs: [{name, shape, datatype, data}]`; outputs in the same form.
 */
export const KSERVE_V2: RemoteProtocol = {
  kind: 'kserve',
  inferUrl: (endpoint, model, version) => `${modelPath(endpoint, model, version)}/infer`,
  metadataUrl: (endpoint, model, version) => modelPath(endpoint, model, version),
  encode(inputs, rows) {
    return {
      inputs: inputs.map(({ input, values }) => ({
        name: input.name,
        shape: input.flat ? [rows] : [rows, input.columns.length],
        datatype: input.datatype,
        data: values,
      })),
    };
  },
  decode(body, rows) {
    if (!isObject(body) || !Array.isArray(body.outputs)) throw new Error('the response has no "outputs" list');
    return body.outputs.map((o: unknown, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new Error(`output ${i} of the response has no name`);
      const values = flatten(o.data);
      if (o.data === undefined || (rows > 0 && values.length % rows !== 0)) {
        throw new Error(`output "${o.name}" has ${o.data === undefined ? 'no' : values.length} values for ${rows} rows`);
      }
      return { name: o.name, width: rows > 0 ? values.length / rows : 0, values };
    });
  },
  inputsOf(metadata) {
    if (!isObject(metadata) || !Array.isArray(metadata.inputs)) return [];
    return metadata.inputs.filter(isObject).filter((t) => typeof t.name === 'string').map((t) => {
      const m: TensorMetadata = { name: t.name as string };
      if (typeof t.datatype === 'string') m.datatype = t.datatype.toUpperCase();
      if (Array.isArray(t.shape)) m.shape = t.shape.map(Number);
      return m;
    });
  },
};

function modelPath(endpoint: string, model: string, version: string | undefined): string {
  const base = `${trimEndpoint(endpoint)}/v2/models/${encodeURIComponent(model)}`;
  return version === undefined ? base : `${base}/versions/${encodeURIComponent(version)}`;
}

/**
 * TensorFlow Serving REST, row format: `POST /v1/models/{name}[/versions/N]:predict` with
 * `instances` (a list per row, or an object per row when the model has several named inputs);
 * the answer is `predictions` (one value, list or object per row).
 */
export const TF_SERVING: RemoteProtocol = {
  kind: 'tfserving',
  inferUrl: (endpoint, model, version) => `${tfPath(endpoint, model, version)}:predict`,
  metadataUrl: (endpoint, model, version) => tfPath(endpoint, model, version),
  encode(inputs, rows) {
    const instances: unknown[] = new Array(rows);
    const one = inputs.length === 1;
    for (let r = 0; r < rows; r++) {
      if (one) {
        instances[r] = rowOf(inputs[0]!, r);
      } else {
        const o: Record<string, unknown> = {};
        for (const e of inputs) o[e.input.name] = rowOf(e, r);
        instances[r] = o;
      }
    }
    return { instances };
  },
  decode(body, rows) {
    if (!isObject(body)) throw new Error('the response is not a JSON object');
    if (Array.isArray(body.predictions)) {
      const preds = body.predictions;
      if (preds.length !== rows) throw new Error(`"predictions" has ${preds.length} entries for ${rows} rows`);
      if (rows > 0 && isObject(preds[0])) {
        // Several named outputs: one object per row.
        const names = Object.keys(preds[0]);
        return names.map((name) => columnar(name, preds.map((p) => (isObject(p) ? p[name] : undefined)), rows));
      }
      return [columnar('predictions', preds, rows)];
    }
    if (body.outputs !== undefined) {
      if (isObject(body.outputs)) return Object.entries(body.outputs).map(([name, v]) => columnar(name, v, rows));
      return [columnar('outputs', body.outputs, rows)];
    }
    throw new Error('the response has neither "predictions" nor "outputs"');
  },
  inputsOf: () => [],
};

function tfPath(endpoint: string, model: string, version: string | undefined): string {
  const base = `${trimEndpoint(endpoint)}/v1/models/${encodeURIComponent(model)}`;
  return version === undefined ? base : `${base}/versions/${encodeURIComponent(version)}`;
}

function rowOf(e: EncodedInput, r: number): unknown {
  if (e.input.flat) return e.values[r];
  const k = e.input.columns.length;
  return e.values.slice(r * k, r * k + k);
}

function columnar(name: string, value: unknown, rows: number): RemoteOutput {
  const values = flatten(value);
  if (rows > 0 && values.length % rows !== 0) throw new Error(`output "${name}" has ${values.length} values for ${rows} rows`);
  return { name, width: rows > 0 ? values.length / rows : 0, values };
}

/** The protocols by the name `'provider'` gives them. */
export const PROTOCOLS: Readonly<Record<string, RemoteProtocol>> = { kserve: KSERVE_V2, tfserving: TF_SERVING };
