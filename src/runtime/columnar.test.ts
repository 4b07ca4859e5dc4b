import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { decodeColumnar, encodeColumnar, isColumnar } from './columnar.js';

/** Sends through a real message port, as the exchange does. */
async function roundTrip(values: unknown[]): Promise<unknown[]> {
  const enc = encodeColumnar(values);
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<unknown>((r) => port2.once('message', r));
  if (enc) port1.postMessage(enc.batch, enc.transfer);
  else port1.postMessage(values);
  const m = await got;
  port1.close();
  port2.close();
  return isColumnar(m) ? decodeColumnar(m) : (m as unknown[]);
}

test('flat objects and array rows round-trip exactly, types kept', async () => {
  const objs = Array.from({ length: 100 }, (_, i) => ({ id: i, price: i * 1.5, name: `n${i}`, when: new Date(i), big: BigInt(i), none: i % 3 ? null : undefined, neg0: -0, nan: NaN }));
  assert.ok(encodeColumnar(objs), 'flat objects are encoded');
  assert.deepEqual(await roundTrip(objs), objs);
  const rows = Array.from({ length: 50 }, (_, i) => [i, `s${i}`, i % 2 === 0 ? null : i, [i, i]]);
  assert.ok(encodeColumnar(rows));
  assert.deepEqual(await roundTrip(rows), rows);
});

test('records of different shapes, key orders or classes are not encoded', () => {
  const base = Array.from({ length: 20 }, (_, i) => ({ a: i, b: i }));
  assert.equal(encodeColumnar([...base, { b: 1, a: 2 }]), undefined, 'another key order');
  assert.equal(encodeColumnar([...base, { a: 1 }]), undefined, 'a missing key');
  assert.equal(encodeColumnar([...base, { a: 1, b: 2, c: 3 }]), undefined, 'an extra key');
  class P { a = 1; b = 2; }
  assert.equal(encodeColumnar(Array.from({ length: 20 }, () => new P())), undefined, 'class instances keep their prototype through clone');
  assert.equal(encodeColumnar(Array.from({ length: 20 }, (_, i) => i)), undefined, 'primitives');
  assert.equal(encodeColumnar([...Array.from({ length: 20 }, () => [1, 2]), [1]]), undefined, 'rows of another length');
});

test('any batch survives the exchange unchanged (property)', async () => {
  const value = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean());
  await fc.assert(fc.asyncProperty(
    fc.oneof(
      fc.array(fc.record({ x: value, y: value, z: value }, { noNullPrototype: true }), { minLength: 0, maxLength: 60 }),
      fc.array(fc.tuple(value, value), { minLength: 0, maxLength: 60 }),
    ),
    async (batch) => { assert.deepEqual(await roundTrip(batch), batch); },
  ), { numRuns: 100, seed: 7 });
});
