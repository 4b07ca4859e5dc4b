import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NexmarkGenerator } from './generator.js';
import { toFlinkJson } from './json.js';
import { NdjsonEventEncoder } from './ndjson-encoder.js';

describe('NdjsonEventEncoder', () => {
  it('writes exactly the bytes of toFlinkJson plus a newline', () => {
    const cases = [
      { config: { seed: 1 }, start: 0 },
      // Slow event time: timestamps cross seconds and auctions expire seconds later.
      { config: { seed: 2, firstEventRate: 300 }, start: 0 },
      // Ids above 2^31 take the slow integer path.
      { config: { seed: 3, numEvents: 0 }, start: 200_000_000_000 },
    ];
    for (const { config, start } of cases) {
      const events = new NexmarkGenerator(config).generateBatch(start, 3000);
      const buffer = Buffer.alloc(8 << 20);
      const encoder = new NdjsonEventEncoder(buffer);
      for (const ev of events) {
        const before = encoder.used;
        encoder.write(ev);
        assert.ok(encoder.used - before <= NdjsonEventEncoder.maxBytes(ev));
      }
      const expected = events.map((e) => `${toFlinkJson(e)}\n`).join('');
      assert.equal(buffer.toString('utf8', 0, encoder.used), expected, JSON.stringify(config));
      encoder.reset(Buffer.alloc(10_000));
      assert.equal(encoder.used, 0);
    }
  });
});
