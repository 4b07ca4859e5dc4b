/**
 * A tiny run of every Nexmark query of the benchmark (bench/nexmark/queries.ts), each checked against a
 * brute-force answer computed from the generator's events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { NexmarkGenerator, type Auction, type Bid, type Person } from '../../nexmark/index.js';
import { NEXMARK_QUERIES, type OutRow } from '../../../bench/nexmark/queries.js';
import { nexmarkSource, nexmarkWatermarks } from './source.js';

// 5000 events over 20 s of event time: several 10 s windows and sessions, auctions that expire.
const CONFIG = { seed: 11, numEvents: 5000, firstEventRate: 250 };
const events = new NexmarkGenerator(CONFIG).generateBatch(0, CONFIG.numEvents);
const bids: Bid[] = events.flatMap((e) => (e.bid ? [e.bid] : []));
const auctions: Auction[] = events.flatMap((e) => (e.auction ? [e.auction] : []));
const persons: Person[] = events.flatMap((e) => (e.person ? [e.person] : []));

async function run(query: string, parallelism = 1): Promise<OutRow[]> {
  const env = StreamExecutionEnvironment.create({ parallelism, batchSize: 128 });
  const stream = env.fromSource(nexmarkSource(CONFIG), nexmarkWatermarks());
  NEXMARK_QUERIES.get(query)!.build(stream).collect('out');
  const job = env.execute(query);
  await job.done;
  const rows = job.collected<OutRow>('out').map((r) => r.value);
  for (const r of rows) assert.equal(typeof r.emittedAt, 'number', `${query} rows carry emittedAt`);
  return rows;
}

const sorted = (xs: string[]): string[] => [...xs].sort();
const key = (...parts: unknown[]): string => parts.map(String).join('|');
function lastBy<T>(rows: T[], k: (r: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const r of rows) m.set(k(r), r);
  return m;
}

test('every query of the harness is tested here', () => {
  const tested = ['gen', 'q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q9', 'q11', 'q12', 'q13', 'q14', 'q15', 'q16', 'q17', 'q18', 'q19', 'q20', 'q21', 'q22'];
  assert.deepEqual([...NEXMARK_QUERIES.keys()].sort(), sorted(tested));
});

test('gen and q0 pass every event / every bid through', async () => {
  assert.equal((await run('gen')).length, CONFIG.numEvents);
  const q0 = await run('q0');
  assert.deepEqual(q0.map((r) => key(r.auction, r.bidder, r.price, r.dateTime)), bids.map((b) => key(b.auction, b.bidder, b.price, b.dateTime)));
});

test('q1 prices are 0.908 × the bid price', async () => {
  const rows = await run('q1');
  assert.equal(rows.length, bids.length);
  rows.forEach((r, i) => {
    assert.ok(Math.abs((r.price as number) - 0.908 * bids[i]!.price) < 1e-6);
    assert.equal(r.auction, bids[i]!.auction);
  });
});

test('q2 keeps exactly the bids on auctions % 123 = 0', async () => {
  const rows = await run('q2');
  const expected = bids.filter((b) => b.auction % 123 === 0);
  assert.ok(expected.length > 0);
  assert.deepEqual(rows.map((r) => key(r.auction, r.price)), expected.map((b) => key(b.auction, b.price)));
});

test('q3 joins category-10 auctions with their sellers in OR, ID, CA (also at parallelism 2)', async () => {
  const people = new Map(persons.filter((p) => ['OR', 'ID', 'CA'].includes(p.state)).map((p) => [p.id, p]));
  const expected = auctions.filter((a) => a.category === 10 && people.has(a.seller)).map((a) => { const p = people.get(a.seller)!; return key(p.name, p.city, p.state, a.id); });
  assert.ok(expected.length > 0);
  assert.deepEqual(sorted((await run('q3')).map((r) => key(r.name, r.city, r.state, r.id))), sorted(expected));
  assert.deepEqual(sorted((await run('q3', 2)).map((r) => key(r.name, r.city, r.state, r.id))), sorted(expected));
});

/** The highest in-time bid of each auction (q4, q9). */
function winners(): Map<number, { auction: Auction; bid: Bid }> {
  const byId = new Map(auctions.map((a) => [a.id, a]));
  const best = new Map<number, { auction: Auction; bid: Bid }>();
  for (const b of bids) {
    const a = byId.get(b.auction);
    if (!a || b.dateTime < a.dateTime || b.dateTime > a.expires) continue;
    const cur = best.get(a.id);
    if (!cur || b.price > cur.bid.price || (b.price === cur.bid.price && b.dateTime < cur.bid.dateTime)) best.set(a.id, { auction: a, bid: b });
  }
  return best;
}

test('q4 ends with the average winning price per category', async () => {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const { auction, bid } of winners().values()) {
    const s = sums.get(auction.category) ?? { sum: 0, n: 0 };
    s.sum += bid.price; s.n++;
    sums.set(auction.category, s);
  }
  const final = lastBy(await run('q4'), (r) => String(r.category));
  assert.equal(final.size, sums.size);
  for (const [c, s] of sums) assert.equal(final.get(String(c))!.avg, Math.trunc(s.sum / s.n));
});

test('q5 reports the auctions with the most bids per 10 s window sliding by 2 s', async () => {
  const counts = new Map<number, Map<number, number>>();
  for (const b of bids) {
    for (let start = Math.floor(b.dateTime / 2000) * 2000; start > b.dateTime - 10_000; start -= 2000) {
      const m = counts.get(start) ?? new Map<number, number>();
      m.set(b.auction, (m.get(b.auction) ?? 0) + 1);
      counts.set(start, m);
    }
  }
  const expected: string[] = [];
  for (const m of counts.values()) {
    const max = Math.max(...m.values());
    for (const [a, n] of m) if (n === max) expected.push(key(a, n));
  }
  assert.ok(counts.size >= 10);
  assert.deepEqual(sorted((await run('q5')).map((r) => key(r.auction, r.num))), sorted(expected));
});

test('q7 reports the highest bids of each 10 s tumbling window', async () => {
  const max = new Map<number, number>();
  for (const b of bids) { const w = Math.floor(b.dateTime / 10_000); max.set(w, Math.max(max.get(w) ?? -1, b.price)); }
  const expected = bids.filter((b) => b.price === max.get(Math.floor(b.dateTime / 10_000))).map((b) => key(b.auction, b.price, b.bidder, b.dateTime));
  assert.ok(max.size >= 2);
  assert.deepEqual(sorted((await run('q7')).map((r) => key(r.auction, r.price, r.bidder, r.dateTime))), sorted(expected));
});

test('q8 finds persons who opened an auction in the 10 s window they joined', async () => {
  const sellers = new Set(auctions.map((a) => key(a.seller, Math.floor(a.dateTime / 10_000))));
  const expected = persons.filter((p) => sellers.has(key(p.id, Math.floor(p.dateTime / 10_000)))).map((p) => key(p.id, p.name, Math.floor(p.dateTime / 10_000) * 10_000));
  assert.ok(expected.length > 0);
  assert.deepEqual(sorted((await run('q8')).map((r) => key(r.id, r.name, r.starttime))), sorted(expected));
});

test('q9 ends with the winning bid of every auction', async () => {
  const expected = winners();
  const final = lastBy(await run('q9'), (r) => String(r.id));
  assert.equal(final.size, expected.size);
  for (const [id, w] of expected) {
    const r = final.get(String(id))!;
    assert.equal(r.price, w.bid.price);
    assert.equal(r.bid_dateTime, w.bid.dateTime);
  }
});

test('q11 counts the bids of each bidder session (10 s gap)', async () => {
  const times = new Map<number, number[]>();
  for (const b of bids) times.set(b.bidder, [...(times.get(b.bidder) ?? []), b.dateTime]);
  const expected: string[] = [];
  for (const [bidder, ts] of times) {
    ts.sort((a, b) => a - b);
    let start = ts[0]!; let last = start; let n = 0;
    for (const t of ts) {
      if (t > last + 10_000) { expected.push(key(bidder, n, start, last + 10_000)); start = t; n = 0; }
      n++; last = t;
    }
    expected.push(key(bidder, n, start, last + 10_000));
  }
  assert.deepEqual(sorted((await run('q11')).map((r) => key(r.bidder, r.bid_count, r.starttime, r.endtime))), sorted(expected));
});

test('q12 counts per bidder in processing-time windows: never more bids than there are', async () => {
  const rows = await run('q12');
  const perBidder = new Map<number, number>();
  for (const b of bids) perBidder.set(b.bidder, (perBidder.get(b.bidder) ?? 0) + 1);
  const seen = new Map<number, number>();
  for (const r of rows) {
    assert.ok((r.bid_count as number) >= 1);
    assert.equal((r.endtime as number) - (r.starttime as number), 10_000);
    seen.set(r.bidder as number, (seen.get(r.bidder as number) ?? 0) + (r.bid_count as number));
  }
  for (const [b, n] of seen) assert.ok(n <= perBidder.get(b)!);
});

test('q13 joins every bid with its side-input row', async () => {
  const rows = await run('q13');
  assert.equal(rows.length, bids.length);
  for (const r of rows) assert.equal(r.value, `side-${(r.auction as number) % 10_000}`);
});

test('q14 keeps bids of 1M..50M euros and classifies their hour', async () => {
  const rows = await run('q14');
  const expected = bids.filter((b) => 0.908 * b.price > 1_000_000 && 0.908 * b.price < 50_000_000);
  assert.ok(expected.length > 0);
  assert.equal(rows.length, expected.length);
  rows.forEach((r, i) => {
    const b = expected[i]!;
    const hour = new Date(b.dateTime).getUTCHours();
    assert.equal(r.bidTimeType, hour >= 8 && hour <= 18 ? 'dayTime' : hour <= 6 || hour >= 20 ? 'nightTime' : 'otherTime');
    assert.equal(r.c_counts, b.extra.split('c').length - 1);
  });
});

test('q15 ends with the day\'s bid, bidder and auction counts', async () => {
  const rows = await run('q15');
  assert.equal(rows.length, bids.length);
  const last = rows[rows.length - 1]!;
  assert.equal(last.total_bids, bids.length);
  assert.equal(last.total_bidders, new Set(bids.map((b) => b.bidder)).size);
  assert.equal(last.rank1_auctions, new Set(bids.filter((b) => b.price < 10_000).map((b) => b.auction)).size);
  assert.equal((last.rank1_bids as number) + (last.rank2_bids as number) + (last.rank3_bids as number), bids.length);
});

test('q16 ends with per-channel counts', async () => {
  const final = lastBy(await run('q16'), (r) => String(r.channel));
  const perChannel = new Map<string, Bid[]>();
  for (const b of bids) perChannel.set(b.channel, [...(perChannel.get(b.channel) ?? []), b]);
  assert.equal(final.size, perChannel.size);
  for (const [c, bs] of perChannel) {
    const r = final.get(c)!;
    assert.equal(r.total_bids, bs.length);
    assert.equal(r.total_auctions, new Set(bs.map((b) => b.auction)).size);
  }
});

test('q17 ends with per-auction min, max, sum and count', async () => {
  const final = lastBy(await run('q17'), (r) => String(r.auction));
  const perAuction = new Map<number, number[]>();
  for (const b of bids) perAuction.set(b.auction, [...(perAuction.get(b.auction) ?? []), b.price]);
  assert.equal(final.size, perAuction.size);
  for (const [a, ps] of perAuction) {
    const r = final.get(String(a))!;
    assert.deepEqual([r.total_bids, r.min_price, r.max_price, r.sum_price], [ps.length, Math.min(...ps), Math.max(...ps), ps.reduce((x, y) => x + y, 0)]);
  }
});

test('q18 ends with the last bid of each bidder on each auction', async () => {
  const final = lastBy(await run('q18'), (r) => key(r.bidder, r.auction));
  const expected = lastBy(bids, (b) => key(b.bidder, b.auction));
  assert.equal(final.size, expected.size);
  for (const [k, b] of expected) assert.equal(final.get(k)!.dateTime, b.dateTime);
});

test('q19 ends with the 10 highest bids of each auction', async () => {
  const final = lastBy(await run('q19'), (r) => key(r.auction, r.rank_number));
  const perAuction = new Map<number, number[]>();
  for (const b of bids) perAuction.set(b.auction, [...(perAuction.get(b.auction) ?? []), b.price]);
  for (const [a, ps] of perAuction) {
    const top = ps.sort((x, y) => y - x).slice(0, 10);
    top.forEach((p, i) => assert.equal(final.get(key(a, i + 1))!.price, p, `auction ${a} rank ${i + 1}`));
    assert.equal(final.has(key(a, top.length + 1)), false);
  }
});

test('q20 joins bids with their category-10 auctions', async () => {
  const cat10 = new Set(auctions.filter((a) => a.category === 10).map((a) => a.id));
  const expected = bids.filter((b) => cat10.has(b.auction)).map((b) => key(b.auction, b.bidder, b.price, b.dateTime));
  assert.ok(expected.length > 0);
  assert.deepEqual(sorted((await run('q20')).map((r) => key(r.auction, r.bidder, r.price, r.dateTime))), sorted(expected));
});

test('q21 extracts the channel id', async () => {
  const rows = await run('q21');
  const hot: Record<string, string> = { apple: '0', google: '1', facebook: '2', baidu: '3' };
  const expected = bids.flatMap((b) => {
    const m = /(&|^)channel_id=([^&]*)/.exec(b.url);
    const id = hot[b.channel.toLowerCase()] ?? (m ? m[2] : undefined);
    return id === undefined ? [] : [key(b.auction, b.channel, id)];
  });
  assert.ok(expected.length > 0 && expected.length < bids.length);
  assert.deepEqual(rows.map((r) => key(r.auction, r.channel, r.channel_id)), expected);
});

test('q22 splits the url into directories', async () => {
  const rows = await run('q22');
  assert.equal(rows.length, bids.length);
  rows.forEach((r, i) => {
    const parts = bids[i]!.url.split('/');
    assert.deepEqual([r.dir1, r.dir2, r.dir3], [parts[3] ?? null, parts[4] ?? null, parts[5] ?? null]);
  });
});
