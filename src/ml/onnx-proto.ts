import { UserError } from '../core/errors.js';

/**
 * Just enough of the protobuf wire format to edit an ONNX model's graph: decode a message into its
 * fields, change some, encode it again. Fields we do not touch keep their bytes, so nothing else in
 * the model changes.
 *
 * Why weir edits models at all: onnxruntime-node returns tensors only, and scikit-learn classifiers
 * exported by skl2onnx end (by default) in a ZipMap node whose output is a sequence of maps. Running
 * such a model fails with "Non tensor type is temporarily not supported", so before loading we
 * replace ZipMap by an Identity on its input, the `[N, classes]` probability tensor, and keep the
 * class labels that the ZipMap carried.
 */

/** One field of a decoded message: varints as bigint, everything else as its payload bytes. */
export interface ProtoField {
  no: number;
  wire: 0 | 1 | 2 | 5;
  value: bigint | Uint8Array;
}

const utf8 = new TextDecoder();
const utf8Encode = new TextEncoder();

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new UserError('truncated protobuf varint: the file is not a valid ONNX model');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new UserError('protobuf varint longer than 10 bytes: the file is not a valid ONNX model');
  }
}

function writeVarint(out: number[], value: bigint): void {
  // int64 values are written as their 64-bit two's complement, as protobuf does.
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Splits a protobuf message into its fields, in order. */
export function decodeMessage(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos);
    pos = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, after] = readVarint(buf, pos);
      fields.push({ no, wire, value: v });
      pos = after;
    } else if (wire === 2) {
      const [len, after] = readVarint(buf, pos);
      const end = after + Number(len);
      if (end > buf.length) throw new UserError('truncated protobuf field: the file is not a valid ONNX model');
      fields.push({ no, wire, value: buf.subarray(after, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new UserError('truncated protobuf field: the file is not a valid ONNX model');
      fields.push({ no, wire, value: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new UserError(`unsupported protobuf wire type ${wire}: the file is not a valid ONNX model`);
    }
  }
  return fields;
}

/** The inverse of {@link decodeMessage}. */
export function encodeMessage(fields: readonly ProtoField[]): Uint8Array {
  const head: number[] = [];
  const chunks: Uint8Array[] = [];
  let total = 0;
  const flush = (): void => {
    if (head.length === 0) return;
    const b = Uint8Array.from(head);
    chunks.push(b);
    total += b.length;
    head.length = 0;
  };
  for (const f of fields) {
    writeVarint(head, BigInt((f.no << 3) | f.wire));
    if (f.wire === 0) {
      writeVarint(head, f.value as bigint);
    } else {
      const bytes = f.value as Uint8Array;
      if (f.wire === 2) writeVarint(head, BigInt(bytes.length));
      flush();
      chunks.push(bytes);
      total += bytes.length;
    }
  }
  flush();
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function str(f: ProtoField | undefined): string {
  return f && f.value instanceof Uint8Array ? utf8.decode(f.value) : '';
}

function bytesField(no: number, value: Uint8Array | string): ProtoField {
  return { no, wire: 2, value: typeof value === 'string' ? utf8Encode.encode(value) : value };
}

/** Repeated int64 values of a field, packed or not. */
function int64s(fields: readonly ProtoField[], no: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if (typeof f.value === 'bigint') {
      out.push(BigInt.asIntN(64, f.value));
    } else {
      let pos = 0;
      while (pos < f.value.length) {
        const [v, next] = readVarint(f.value, pos);
        out.push(BigInt.asIntN(64, v));
        pos = next;
      }
    }
  }
  return out;
}

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_INTS = 8;
const ATTR_STRINGS = 9;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const ELEM_FLOAT = 1n;

/** What a removed ZipMap node told: which graph output it fed and the class label of each column. */
export interface ZipMapInfo {
  /** The graph output that was a sequence of maps and is now a `[N, classes]` float tensor. */
  output: string;
  /** Class labels in column order (int64 labels as numbers). */
  classLabels: (number | string)[];
}

/** Class labels declared by the nodes of a model (ZipMap or an `ai.onnx.ml` classifier). */
function classLabelsOf(attributes: readonly ProtoField[]): (number | string)[] | undefined {
  for (const a of attributes) {
    const attr = decodeMessage(a.value as Uint8Array);
    const name = str(attr.find((f) => f.no === ATTR_NAME));
    if (name === 'classlabels_int64s' || name === 'classlabels_ints') {
      return int64s(attr, ATTR_INTS).map((v) => Number(v));
    }
    if (name === 'classlabels_strings') {
      return attr.filter((f) => f.no === ATTR_STRINGS).map((f) => str(f));
    }
  }
  return undefined;
}

/** The result of {@link rewriteForNode}. */
export interface RewrittenModel {
  /** The model bytes to hand to onnxruntime (the input itself when nothing changed). */
  bytes: Uint8Array;
  zipMaps: ZipMapInfo[];
  /** Class labels found on a classifier node, when the model has one (used when there is no ZipMap). */
  classLabels: (number | string)[] | undefined;
}

/**
 * Replaces every ZipMap node that feeds a graph output by an Identity, and declares that output as a
 * `[?, classes]` float tensor, so onnxruntime-node can return it.
 */
export function rewriteForNode(model: Uint8Array): RewrittenModel {
  const top = decodeMessage(model);
  const graphIndex = top.findIndex((f) => f.no === MODEL_GRAPH && f.wire === 2);
  if (graphIndex < 0) throw new UserError('the file has no ONNX graph: is it an ONNX model?');
  const graph = decodeMessage(top[graphIndex]!.value as Uint8Array);
  const zipMaps: ZipMapInfo[] = [];
  let classLabels: (number | string)[] | undefined;
  const outputNames = new Set(graph.filter((f) => f.no === GRAPH_OUTPUT).map((f) => str(decodeMessage(f.value as Uint8Array).find((g) => g.no === VALUE_INFO_NAME))));
  let changed = false;
  const newGraph = graph.map((f) => {
    if (f.no !== GRAPH_NODE) return f;
    const node = decodeMessage(f.value as Uint8Array);
    const op = str(node.find((g) => g.no === NODE_OP_TYPE));
    const attrs = node.filter((g) => g.no === NODE_ATTRIBUTE);
    if (op !== 'ZipMap') {
      if (classLabels === undefined && op.endsWith('Classifier')) classLabels = classLabelsOf(attrs);
      return f;
    }
    const output = str(node.find((g) => g.no === NODE_OUTPUT));
    if (!outputNames.has(output)) return f;
    zipMaps.push({ output, classLabels: classLabelsOf(attrs) ?? [] });
    changed = true;
    const identity: ProtoField[] = [
      ...node.filter((g) => g.no === NODE_INPUT || g.no === NODE_OUTPUT || g.no === 3),
      bytesField(NODE_OP_TYPE, 'Identity'),
      bytesField(NODE_DOMAIN, ''),
    ];
    return bytesField(GRAPH_NODE, encodeMessage(identity));
  });
  if (!changed) return { bytes: model, zipMaps, classLabels };
  const byOutput = new Map(zipMaps.map((z) => [z.output, z]));
  const finalGraph = newGraph.map((f) => {
    if (f.no !== GRAPH_OUTPUT) return f;
    const info = decodeMessage(f.value as Uint8Array);
    const name = str(info.find((g) => g.no === VALUE_INFO_NAME));
    const zm = byOutput.get(name);
    if (!zm) return f;
    const dims: ProtoField[] = [bytesField(SHAPE_DIM, new Uint8Array(0))];
    if (zm.classLabels.length > 0) {
      dims.push(bytesField(SHAPE_DIM, encodeMessage([{ no: DIM_VALUE, wire: 0, value: BigInt(zm.classLabels.length) }])));
    } else {
      dims.push(bytesField(SHAPE_DIM, new Uint8Array(0)));
    }
    const tensor = encodeMessage([
      { no: TENSOR_ELEM_TYPE, wire: 0, value: ELEM_FLOAT },
      bytesField(TENSOR_SHAPE, encodeMessage(dims)),
    ]);
    const type = encodeMessage([bytesField(TYPE_TENSOR, tensor)]);
    return bytesField(GRAPH_OUTPUT, encodeMessage([bytesField(VALUE_INFO_NAME, name), bytesField(VALUE_INFO_TYPE, type)]));
  });
  const newTop = top.slice();
  newTop[graphIndex] = bytesField(MODEL_GRAPH, encodeMessage(finalGraph));
  return { bytes: encodeMessage(newTop), zipMaps, classLabels: classLabels ?? zipMaps[0]?.classLabels };
}
