import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventRandom, mix32 } from './random.js';

describe('EventRandom', () => {
  it('repeats a stream after reset and separates events, seeds and salts', () => {
    const r = new EventRandom(99);
    const draw = (n: number): number[] => {
      r.reset(n);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    assert.deepEqual(draw(12345), draw(12345));
    assert.notDeepEqual(draw(12345), draw(12346));
    assert.notDeepEqual(draw(7), draw(7 + 2 ** 32));
    const other = new EventRandom(100);
    other.reset(12345);
    assert.notEqual(other.nextU32(), draw(12345)[0]);
    const salted = new EventRandom(99, 1);
    salted.reset(12345);
    assert.notEqual(salted.nextU32(), draw(12345)[0]);
  });

  it('draws integers in range with roughly uniform counts, including the first draw of consecutive events', () => {
    const r = new EventRandom(1);
    const counts = new Array<number>(10).fill(0);
    const firsts = new Array<number>(10).fill(0);
    for (let n = 0; n < 50_000; n++) {
      r.reset(n);
      firsts[r.nextInt(10)]!++;
      for (let k = 0; k < 4; k++) {
        const v = r.nextInt(10);
        assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
        counts[v]!++;
      }
    }
    for (const c of counts) assert.ok(Math.abs(c - 20_000) < 600, `count ${c}`);
    for (const c of firsts) assert.ok(Math.abs(c - 5_000) < 300, `first-draw count ${c}`);
    r.reset(3);
    for (let i = 0; i < 1000; i++) {
      const big = r.nextInt(3_000_000_000);
      assert.ok(Number.isInteger(big) && big >= 0 && big < 3_000_000_000);
      const d = r.nextDouble();
      assert.ok(d >= 0 && d < 1);
    }
  });

  it('mix32 is a bijection on a sample and spreads neighbours', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(mix32(i));
    assert.equal(seen.size, 100_000);
    const bits = (x: number): number => x.toString(2).split('').filter((c) => c === '1').length;
    const avg = Array.from({ length: 1000 }, (_, i) => bits(mix32(i) ^ mix32(i + 1))).reduce((a, b) => a + b) / 1000;
    assert.ok(avg > 14 && avg < 18, `avalanche ${avg}`);
  });
});
