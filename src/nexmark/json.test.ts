import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp } from '../core/time.js';
import { UserError } from '../core/errors.js';
import { NexmarkGenerator } from './generator.js';
import { TimestampFormatter, parseFlinkTimestamp, parseNexmarkJson, toFlinkJson } from './json.js';
import type { NexmarkEvent } from './model.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

describe('toFlinkJson', () => {
  it('writes the row shape of Flink\'s Nexmark table and round-trips through JSON.parse', () => {
    const gen = new NexmarkGenerator({ seed: 4, firstEventRate: 1000 });
    const events = gen.generateBatch(0, 3000);
    const fmt = new TimestampFormatter();
    for (const ev of events) {
      const line = toFlinkJson(ev, fmt);
      assert.ok(!line.includes('\n'));
      const o = JSON.parse(line) as Record<string, any>;
      assert.deepEqual(Object.keys(o), ['event_type', 'person', 'auction', 'bid', 'dateTime']);
      assert.equal(o.event_type, ev.event_type);
      assert.match(o.dateTime, TIMESTAMP);
      assert.equal(o.dateTime, formatTimestamp(ev.dateTime));
      if (ev.event_type === 0) {
        assert.deepEqual(Object.keys(o.person), ['id', 'name', 'emailAddress', 'creditCard', 'city', 'state', 'dateTime', 'extra']);
        assert.equal(o.auction, null);
        assert.equal(o.bid, null);
      } else if (ev.event_type === 1) {
        assert.deepEqual(Object.keys(o.auction), ['id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra']);
        assert.match(o.auction.expires, TIMESTAMP);
        assert.equal(o.auction.expires, formatTimestamp(ev.auction.expires));
        assert.equal(o.person, null);
      } else {
        assert.deepEqual(Object.keys(o.bid), ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
        assert.equal(o.bid.price, ev.bid.price);
      }
      assert.deepEqual(parseNexmarkJson(line), ev);
    }
  });

  it('escapes strings that need it', () => {
    const ev: NexmarkEvent = {
      event_type: 2, person: null, auction: null, dateTime: 0,
      bid: { auction: 1, bidder: 2, price: 3, channel: 'a"b\\c', url: 'line\nbreak\u0001', dateTime: 0, extra: 'é ☃ \ud83d\ude00' },
    };
    const line = toFlinkJson(ev);
    assert.equal(line.split('\n').length, 1);
    assert.deepEqual(parseNexmarkJson(line), ev);
    assert.equal(JSON.parse(line).dateTime, '1970-01-01 00:00:00.000');
  });

  it('rejects lines of the wrong shape with a UserError naming the field', () => {
    assert.throws(() => parseNexmarkJson('{"event_type":2,"person":null,"auction":null,"bid":null,"dateTime":"2025-01-01 00:00:00.000"}'), UserError);
    assert.throws(
      () => parseNexmarkJson('{"event_type":2,"bid":{"auction":"x"},"dateTime":"2025-01-01 00:00:00.000"}'),
      (e: unknown) => e instanceof UserError && /bid\.auction/.test(e.message),
    );
    assert.throws(() => parseNexmarkJson('{"event_type":0,"dateTime":"2025-01-01T00:00:00Z"}'), /yyyy-MM-dd HH:mm:ss.SSS/);
  });
});

describe('TimestampFormatter', () => {
  it('agrees with formatTimestamp in and out of order', () => {
    const fmt = new TimestampFormatter();
    let ms = Date.UTC(2024, 1, 28, 23, 59, 58, 990);
    for (let i = 0; i < 5000; i++) {
      ms += (i * 7919) % 13 === 0 ? -1234 : (i * 31) % 17;
      assert.equal(fmt.format(ms), formatTimestamp(ms));
    }
    assert.equal(fmt.format(0), '1970-01-01 00:00:00.000');
    assert.equal(fmt.format(Date.UTC(2025, 11, 31, 23, 59, 59, 999)), '2025-12-31 23:59:59.999');
  });

  it('parses what it formats', () => {
    for (const ms of [0, 1, 999, 1000, Date.UTC(2025, 0, 1, 12, 30, 5, 7), Date.UTC(2030, 5, 6)]) {
      assert.equal(parseFlinkTimestamp(new TimestampFormatter().format(ms)), ms);
    }
    assert.equal(parseFlinkTimestamp('2025-01-01 00:00:01.5'), Date.UTC(2025, 0, 1, 0, 0, 1, 500));
    assert.throws(() => parseFlinkTimestamp('yesterday'), UserError);
  });
});
