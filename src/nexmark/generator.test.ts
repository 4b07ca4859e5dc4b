import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../core/errors.js';
import { DEFAULT_BASE_TIME, resolveNexmarkConfig } from './config.js';
import {
  FIRST_NAMES,
  HOT_CHANNELS,
  LAST_NAMES,
  NexmarkGenerator,
  US_CITIES,
  US_STATES,
} from './generator.js';
import { toFlinkJson } from './json.js';
import { nexmarkEventSize, type Auction, type Bid, type NexmarkEvent, type Person } from './model.js';

const bidsOf = (events: NexmarkEvent[]): Bid[] => events.flatMap((e) => (e.bid === null ? [] : [e.bid]));
const auctionsOf = (events: NexmarkEvent[]): Auction[] => events.flatMap((e) => (e.auction === null ? [] : [e.auction]));
const personsOf = (events: NexmarkEvent[]): Person[] => events.flatMap((e) => (e.person === null ? [] : [e.person]));
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('NexmarkGenerator determinism and random access', () => {
  it('gives identical events for the same seed and different ones for another seed', () => {
    const a = new NexmarkGenerator({ seed: 7 }).generateBatch(0, 3000);
    const b = new NexmarkGenerator({ seed: 7 }).generateBatch(0, 3000);
    const c = new NexmarkGenerator({ seed: 8 }).generateBatch(0, 3000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    // Not just one field: most bids differ in price under another seed.
    const pa = bidsOf(a).map((x) => x.price);
    const pc = bidsOf(c).map((x) => x.price);
    const same = pa.filter((p, i) => p === pc[i]).length;
    assert.ok(same < pa.length / 100, `${same} of ${pa.length} prices equal across seeds`);
  });

  it('repeats across versions: seed 42 still gives the pinned stream', () => {
    // A changed digest means every stored benchmark input changes; update it only on purpose.
    const hash = createHash('sha256');
    for (const e of new NexmarkGenerator({ seed: 42 }).generateBatch(0, 5000)) hash.update(`${toFlinkJson(e)}\n`);
    assert.equal(hash.digest('hex'), 'ed1cf23d04a72332503c2bae29e7af43df9ed994c417867178844afd5f3a80a6');
  });

  it('eventAt(n) equals the n-th event of sequential generation, in any order of calls', () => {
    const seq = new NexmarkGenerator({ seed: 3 }).generateBatch(0, 5000);
    const gen = new NexmarkGenerator({ seed: 3 });
    for (const n of [4999, 0, 1, 2, 3, 4, 49, 50, 51, 1234, 2500, 777]) assert.deepEqual(gen.eventAt(n), seq[n], `event ${n}`);
    for (let n = 0; n < seq.length; n++) assert.deepEqual(gen.eventAt(n), seq[n]);
  });

  it('random access works far into an unbounded stream', () => {
    const gen = new NexmarkGenerator({ seed: 3, numEvents: 0 });
    const far = 5_000_000_000; // beyond 2^32, so the high word of the event number matters
    const batch = gen.generateBatch(far, 100);
    assert.deepEqual(gen.eventAt(far + 57), batch[57]);
    assert.notDeepEqual(gen.eventAt(far), gen.eventAt(far - 2 ** 32));
    assert.equal(gen.eventAt(far).dateTime, DEFAULT_BASE_TIME + far / 10_000);
  });

  it('strided subsequences of parallel readers union to the whole stream', () => {
    const numEvents = 2347;
    const whole = new NexmarkGenerator({ seed: 11, numEvents }).generateBatch(0, numEvents);
    assert.equal(whole.length, numEvents);
    for (const p of [2, 3, 7]) {
      const merged = new Array<NexmarkEvent>(numEvents);
      let count = 0;
      for (let i = 0; i < p; i++) {
        const reader = new NexmarkGenerator({ seed: 11, numEvents });
        let k = 0;
        for (const batch of reader.batches({ start: i, stride: p, batchSize: 100 })) {
          for (const ev of batch) merged[i + k++ * p] = ev;
          count += batch.length;
        }
        assert.deepEqual(reader.generateBatch(i, numEvents, p), merged.filter((_, n) => n % p === i));
      }
      assert.equal(count, numEvents, `stride ${p} covers every event once`);
      assert.deepEqual(merged, whole);
    }
  });

  it('stops at numEvents and rejects event numbers outside the stream', () => {
    const gen = new NexmarkGenerator({ seed: 1, numEvents: 100 });
    assert.equal(gen.generateBatch(90, 50).length, 10);
    assert.equal(gen.generateBatch(90, 50, 4).length, 3);
    assert.equal(gen.generateBatch(100, 5).length, 0);
    assert.throws(() => gen.eventAt(100), UserError);
    assert.throws(() => gen.eventAt(-1), UserError);
    assert.throws(() => gen.generateBatch(0, 10, 0), UserError);
    assert.throws(() => gen.eventAt(1.5), UserError);
  });

  it('fillBatch reuses the arrays and matches generateBatch', () => {
    const gen = new NexmarkGenerator({ seed: 5 });
    const batch = { values: [] as NexmarkEvent[], timestamps: [] as number[], keys: ['stale'] as string[] | undefined };
    const values = batch.values;
    gen.fillBatch(batch, 0, 300);
    assert.equal(gen.fillBatch(batch, 1000, 200, 3), 200);
    assert.equal(batch.values, values);
    assert.equal(batch.values.length, 200);
    assert.equal(batch.keys, undefined);
    assert.deepEqual(batch.values, gen.generateBatch(1000, 200, 3));
    assert.deepEqual(batch.timestamps, batch.values.map((e) => e.dateTime));
  });
});

describe('NexmarkGenerator event contents', () => {
  const gen = new NexmarkGenerator({ seed: 42 });
  const events = gen.generateBatch(0, 50_000);

  it('has exactly 1 person, 3 auctions and 46 bids in every 50 events, in that order', () => {
    for (let start = 0; start < events.length; start += 50) {
      const types = events.slice(start, start + 50).map((e) => e.event_type);
      assert.deepEqual(types, [0, 1, 1, 1, ...new Array<number>(46).fill(2)]);
    }
    for (const e of events) {
      const set = [e.person, e.auction, e.bid].filter((x) => x !== null);
      assert.equal(set.length, 1);
      assert.equal(set[0]!.dateTime, e.dateTime);
    }
  });

  it('places events at baseTime + n * interEventDelay', () => {
    const slow = new NexmarkGenerator({ seed: 1, firstEventRate: 400, baseTime: 1_000_000 });
    assert.deepEqual(slow.generateBatch(0, 5).map((e) => e.dateTime), [1_000_000, 1_000_002, 1_000_005, 1_000_007, 1_000_010]);
    assert.equal(events[0]!.dateTime, DEFAULT_BASE_TIME);
    assert.equal(events[49_999]!.dateTime, DEFAULT_BASE_TIME + 4); // 10 million events per second by default
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.dateTime >= events[i - 1]!.dateTime);
  });

  it('numbers persons and auctions from 1000 without gaps; categories 10..14', () => {
    assert.deepEqual(personsOf(events).map((p) => p.id), Array.from({ length: 1000 }, (_, i) => 1000 + i));
    assert.deepEqual(auctionsOf(events).map((a) => a.id), Array.from({ length: 3000 }, (_, i) => 1000 + i));
    const categories = new Set(auctionsOf(events).map((a) => a.category));
    assert.deepEqual([...categories].sort(), [10, 11, 12, 13, 14]);
  });

  it('draws person fields from the fixed sets and formats', () => {
    const persons = personsOf(events);
    const names = new Set<string>();
    for (const p of persons) {
      const [first, last] = p.name.split(' ');
      assert.ok(FIRST_NAMES.includes(first!) && LAST_NAMES.includes(last!), p.name);
      names.add(p.name);
      assert.ok(US_STATES.includes(p.state), p.state);
      assert.ok(US_CITIES.includes(p.city), p.city);
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
      assert.match(p.emailAddress, /^[a-z]{3,7}@[a-z]{3,5}\.com$/);
    }
    assert.equal(new Set(persons.map((p) => p.state)).size, 6);
    assert.equal(new Set(persons.map((p) => p.city)).size, 10);
    assert.ok(names.size > 90, `only ${names.size} distinct names`);
    assert.ok(new Set(persons.map((p) => p.creditCard)).size > 990);
  });

  it('prices bids log-uniformly as round(10^(6u) * 100)', () => {
    const prices = bidsOf(events).map((b) => b.price);
    for (const p of prices) assert.ok(Number.isInteger(p) && p >= 100 && p <= 100_000_000, `price ${p}`);
    // Each decade of the exponent holds a sixth of the prices.
    for (let d = 0; d < 6; d++) {
      const share = prices.filter((p) => p >= 100 * 10 ** d && p < 100 * 10 ** (d + 1)).length / prices.length;
      assert.ok(Math.abs(share - 1 / 6) < 0.01, `decade ${d}: ${share}`);
    }
    for (const a of auctionsOf(events)) {
      assert.ok(a.initialBid >= 100 && a.reserve > a.initialBid && a.reserve <= 2 * 100_000_000);
    }
  });

  it('sends half of the bids through hot channels and 90 % of channel-i urls carry a channel_id', () => {
    const bids = bidsOf(events);
    const hot = bids.filter((b) => HOT_CHANNELS.includes(b.channel));
    assert.ok(Math.abs(hot.length / bids.length - 0.5) < 0.02, `hot share ${hot.length / bids.length}`);
    for (const b of hot) assert.doesNotMatch(b.url, /channel_id=/);
    const rest = bids.filter((b) => !HOT_CHANNELS.includes(b.channel));
    const urlOf = new Map<string, string>();
    for (const b of rest) {
      assert.match(b.channel, /^channel-\d{1,4}$/);
      assert.match(b.url, /^https:\/\/www\.nexmark\.com\/[a-z_]{3,5}\/[a-z_]{3,5}\/[a-z_]{3,5}\/item\.htm\?query=1(&channel_id=\d+)?$/);
      // A channel always has the same url.
      assert.equal(urlOf.get(b.channel) ?? b.url, b.url);
      urlOf.set(b.channel, b.url);
    }
    const withId = rest.filter((b) => b.url.includes('&channel_id=')).length / rest.length;
    assert.ok(Math.abs(withId - 0.9) < 0.02, `channel_id share ${withId}`);
    assert.ok(urlOf.size > 8000, `${urlOf.size} distinct channels`);
  });

  it('pads records so average sizes match 200 / 500 / 100 bytes within 20 %', () => {
    const check = (events: NexmarkEvent[], type: number, want: number): void => {
      const sizes = events.filter((e) => e.event_type === type).map(nexmarkEventSize);
      const avg = mean(sizes);
      assert.ok(Math.abs(avg - want) <= 0.2 * want, `type ${type}: average ${avg}, want ${want}`);
      assert.ok(new Set(sizes).size > 5, 'sizes vary');
    };
    check(events, 0, 200);
    check(events, 1, 500);
    check(events, 2, 100);
    const big = new NexmarkGenerator({ seed: 1, avgPersonByteSize: 1000, avgAuctionByteSize: 2000, avgBidByteSize: 400 }).generateBatch(0, 10_000);
    check(big, 0, 1000);
    check(big, 1, 2000);
    check(big, 2, 400);
    // Close to the target, not merely inside the tolerance, where the padding has room to work.
    assert.ok(Math.abs(mean(big.filter((e) => e.event_type === 2).map(nexmarkEventSize)) - 400) < 10);
  });
});

describe('NexmarkGenerator references and hot keys', () => {
  it('refers only to persons and auctions that already exist', () => {
    const gen = new NexmarkGenerator({ seed: 9 });
    let maxPerson = -1;
    let maxAuction = -1;
    let n = 0;
    for (const batch of gen.batches({ end: 60_000, batchSize: 5000 })) {
      for (const e of batch) {
        if (e.person !== null) maxPerson = e.person.id;
        if (e.auction !== null) {
          maxAuction = e.auction.id;
          assert.ok(e.auction.seller >= 1000 && e.auction.seller <= maxPerson, `auction ${e.auction.id} seller ${e.auction.seller} > ${maxPerson}`);
          assert.ok(e.auction.expires > e.auction.dateTime);
        }
        if (e.bid !== null) {
          assert.ok(e.bid.auction >= 1000 && e.bid.auction <= maxAuction, `bid ${n} auction ${e.bid.auction} > ${maxAuction}`);
          assert.ok(e.bid.auction > maxAuction - 100 - 1, 'auction is in flight');
          assert.ok(e.bid.bidder >= 1000 && e.bid.bidder <= maxPerson, `bid ${n} bidder ${e.bid.bidder} > ${maxPerson}`);
        }
        assert.equal(gen.lastPersonId(n), maxPerson);
        assert.equal(gen.lastAuctionId(n), e.event_type === 0 && n === 0 ? 999 : maxAuction);
        n++;
      }
    }
  });

  it('makes auctions last as long as generating 100 more auctions takes, on average', () => {
    const gen = new NexmarkGenerator({ seed: 2, firstEventRate: 1000 });
    const lengths = auctionsOf(gen.generateBatch(0, 100_000)).map((a) => a.expires - a.dateTime);
    const horizonMs = (100 * 50) / 3; // 1666.7 events at 1000 events/s
    assert.ok(Math.abs(mean(lengths) - horizonMs) < 0.05 * horizonMs, `mean length ${mean(lengths)}`);
    assert.ok(Math.min(...lengths) >= 1 && Math.max(...lengths) <= 2 * horizonMs + 1);
  });

  it('keeps the hot auction, bidder and seller shares of the reference ratios', () => {
    const gen = new NexmarkGenerator({ seed: 13 });
    const start = 200_000; // past the first 1000 persons, so random persons rarely hit the hot one
    const events = gen.generateBatch(start, 100_000);
    let bids = 0;
    let hotAuction = 0;
    let hotBidder = 0;
    let auctions = 0;
    let hotSeller = 0;
    events.forEach((e, i) => {
      const n = start + i;
      const lastA = gen.lastAuctionId(n) - 1000;
      const lastP = gen.lastPersonId(n) - 1000;
      if (e.bid !== null) {
        bids++;
        if (e.bid.auction === 1000 + Math.floor(lastA / 2) * 2) hotAuction++;
        if (e.bid.bidder === 1000 + Math.floor((lastP - 1) / 4) * 4 + 1) hotBidder++;
      }
      if (e.auction !== null) {
        auctions++;
        if (e.auction.seller === 1000 + Math.floor(lastP / 4) * 4) hotSeller++;
      }
    });
    // Hot share plus the few random picks that land on the hot key by chance.
    assert.ok(Math.abs(hotAuction / bids - (0.5 + 0.5 / 101)) < 0.015, `hot auctions ${hotAuction / bids}`);
    assert.ok(Math.abs(hotBidder / bids - 0.75) < 0.015, `hot bidders ${hotBidder / bids}`);
    assert.ok(Math.abs(hotSeller / auctions - 0.75) < 0.03, `hot sellers ${hotSeller / auctions}`);
  });

  it('follows the hot ratios of the config', () => {
    const gen = new NexmarkGenerator({ seed: 13, hotAuctionRatio: 1, hotBiddersRatio: 1 });
    const bids = bidsOf(gen.generateBatch(200_000, 20_000));
    const auctions = new Set(bids.map((b) => b.auction));
    assert.ok(auctions.size > 100, 'with ratio 1 no auction is hot, so bids spread over the auctions in flight');
  });
});

describe('resolveNexmarkConfig', () => {
  it('fills defaults and rejects bad options with a UserError naming them', () => {
    const c = resolveNexmarkConfig({ seed: 5, firstEventRate: undefined });
    assert.equal(c.seed, 5);
    assert.equal(c.firstEventRate, 10_000_000);
    assert.equal(c.numActivePeople, 1000);
    assert.deepEqual([c.personProportion, c.auctionProportion, c.bidProportion], [1, 3, 46]);
    assert.throws(() => resolveNexmarkConfig({ firstEventRate: 0 }), (e: unknown) => e instanceof UserError && /firstEventRate/.test(e.message));
    assert.throws(() => resolveNexmarkConfig({ hotAuctionRatio: 0 }), /hotAuctionRatio/);
    assert.throws(() => resolveNexmarkConfig({ numEvents: -1 }), /numEvents/);
    assert.throws(() => resolveNexmarkConfig({ seed: 0.5 }), /seed/);
    assert.throws(() => resolveNexmarkConfig({ tps: 5 } as never), /unknown nexmark option "tps"/);
  });
});

describe('NexmarkGenerator.fillBids', () => {
  it('yields exactly the bids of the same event numbers, for every reader of a split', () => {
    const gen = new NexmarkGenerator({ seed: 17, numEvents: 1000 });
    const batch = { values: [] as Bid[], timestamps: [] as number[] };
    for (const [start, stride] of [[0, 1], [1, 3], [2, 3], [995, 1]] as const) {
      const events = gen.generateBatch(start, 400, stride);
      const n = gen.fillBids(batch, start, 400, stride);
      assert.deepEqual(batch.values, bidsOf(events));
      assert.equal(n, batch.values.length);
      assert.deepEqual(batch.timestamps, batch.values.map((b) => b.dateTime));
    }
  });
});
