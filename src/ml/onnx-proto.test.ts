import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import { decodeMessage, encodeMessage, rewriteForNode } from './onnx-proto.js';
import { testModel } from './testdata.js';

describe('onnx-proto', () => {
  it('decodes and re-encodes a model to the same bytes', async () => {
    for (const name of ['logreg_zipmap', 'forest', 'multi_input']) {
      const bytes = new Uint8Array(await readFile(testModel(name)));
      assert.deepEqual(encodeMessage(decodeMessage(bytes)), bytes, name);
    }
  });

  it('round-trips negative int64 varints', () => {
    const fields = [{ no: 3, wire: 0 as const, value: -5n }];
    const back = decodeMessage(encodeMessage(fields));
    assert.equal(BigInt.asIntN(64, back[0]!.value as bigint), -5n);
  });

  it('leaves a model without ZipMap unchanged', async () => {
    const bytes = new Uint8Array(await readFile(testModel('logreg')));
    const r = rewriteForNode(bytes);
    assert.equal(r.bytes, bytes);
    assert.deepEqual(r.zipMaps, []);
    assert.deepEqual(r.classLabels, [0, 1]);
  });

  it('replaces a ZipMap by an Identity and keeps its class labels', async () => {
    const bytes = new Uint8Array(await readFile(testModel('forest_zipmap')));
    const r = rewriteForNode(bytes);
    assert.deepEqual(r.zipMaps, [{ output: 'output_probability', classLabels: [0, 1] }]);
    const opTypes = (model: Uint8Array): string[] => {
      const graph = decodeMessage(decodeMessage(model).find((f) => f.no === 7)!.value as Uint8Array);
      return graph
        .filter((f) => f.no === 1)
        .map((f) => new TextDecoder().decode(decodeMessage(f.value as Uint8Array).find((g) => g.no === 4)!.value as Uint8Array));
    };
    const before = opTypes(bytes);
    const afterOps = opTypes(r.bytes);
    assert.ok(before.includes('ZipMap'));
    assert.deepEqual(afterOps, before.map((op) => (op === 'ZipMap' ? 'Identity' : op)));
    assert.ok(r.bytes.length < bytes.length + 64);
  });

  it('rejects bytes that are not protobuf', () => {
    assert.throws(() => rewriteForNode(new Uint8Array([0x0a, 0xff])), UserError);
    assert.throws(() => rewriteForNode(new Uint8Array([0x08, 0x01])), /no ONNX graph/);
  });
});
