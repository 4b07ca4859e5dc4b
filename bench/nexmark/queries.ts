/**
 * The Nexmark queries as weir DataStream jobs, with the semantics of the Flink SQL in `flink/queries.sql`
 * (differences are listed per query in docs/benchmarks.md). Every output record carries `emittedAt`: the
 * source emission time of the newest input it depends on, so the sink can measure latency.
 *
 * Worker threads import this module to build the same graph: keep it free of side effects.
 */
import { defineJob } from '../../src/api/environment.js';
import type { DataStream } from '../../src/api/datastream.js';
import type { KeyedProcessFunction } from '../../src/operators/keyed-process.js';
import type { KeyedCoProcessFunction } from '../../src/operators/co-process.js';
import type { AggregateFunction, ListState, ValueState } from '../../src/state/descriptors.js';
import { listState, valueState } from '../../src/state/descriptors.js';
import { eventTimeSessionWindows, slidingEventTimeWindows, tumblingEventTimeWindows, tumblingProcessingTimeWindows } from '../../src/windows/assigners.js';
import type { TimeWindow } from '../../src/windows/window.js';
import type { Auction, Bid, Person } from '../../src/nexmark/index.js';
import { AUCTION_EVENT, BID_EVENT, PERSON_EVENT } from '../../src/nexmark/index.js';
import {
  latencySink, nexmarkFileSource, nexmarkSource, nexmarkWatermarks, type TimedNexmarkEvent,
} from '../../src/connectors/nexmark/index.js';

/** Anything a query outputs: the sink only reads `emittedAt`. */
export interface Timed { emittedAt: number }
/** An output row of a query. */
export type OutRow = Timed & Record<string, unknown>;
type TimedBid = Bid & Timed;
type TimedAuction = Auction & Timed;
type TimedPerson = Person & Timed;
type Events = DataStream<TimedNexmarkEvent>;

// The event's emission time moves onto the row it carries; the row object is the generator's, not a copy,
// as Flink's views project the nested row without copying it either.
function timed<T extends object>(row: T, emittedAt: number): T & Timed {
  (row as T & Timed).emittedAt = emittedAt;
  return row as T & Timed;
}

function bids(events: Events): DataStream<TimedBid> {
  return events.filter((e) => e.event_type === BID_EVENT).map((e) => timed(e.bid!, e.emittedAt)).name('bid');
}
function auctions(events: Events): DataStream<TimedAuction> {
  return events.filter((e) => e.event_type === AUCTION_EVENT).map((e) => timed(e.auction!, e.emittedAt)).name('auction');
}
function persons(events: Events): DataStream<TimedPerson> {
  return events.filter((e) => e.event_type === PERSON_EVENT).map((e) => timed(e.person!, e.emittedAt)).name('person');
}

const later = (a: number, b: number): number => (a > b ? a : b);
/** `0.908 * price` as Flink's DECIMAL arithmetic gives it: exact to the third decimal. */
const euros = (price: number): number => Math.round(price * 908) / 1000;
const DAY_MS = 86_400_000;
const dayTexts = new Map<number, string>();
/** `DATE_FORMAT(dateTime, 'yyyy-MM-dd')`, cached per day. */
function dayOf(ts: number): string {
  const d = Math.floor(ts / DAY_MS);
  let s = dayTexts.get(d);
  if (s === undefined) { s = new Date(d * DAY_MS).toISOString().slice(0, 10); dayTexts.set(d, s); }
  return s;
}
/** `DATE_FORMAT(dateTime, 'HH:mm')`. */
function minuteOf(ts: number): string {
  const m = Math.floor((ts % DAY_MS) / 60_000);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const countWithTime: AggregateFunction<Timed, { n: number; t: number }, { n: number; t: number }> = {
  createAccumulator: () => ({ n: 0, t: 0 }),
  add: (v, acc) => { acc.n++; acc.t = later(acc.t, v.emittedAt); return acc; },
  getResult: (acc) => acc,
  merge: (a, b) => ({ n: a.n + b.n, t: later(a.t, b.t) }),
};

/**
 * An inner equi-join of two keyed inputs where the left side has one row per key (a person or auction id):
 * the left row is kept, right rows that arrive before it wait in a list. Output is the same as Flink's
 * regular join, which cannot know the key is unique and keeps both sides.
 */
function uniqueLeftJoin<L extends Timed, R extends Timed, O>(
  join: (l: L, r: R) => O | undefined,
): KeyedCoProcessFunction<unknown, L, R, O> {
  let left: ValueState<L>;
  let waiting: ListState<R>;
  return {
    open(rt) {
      left = rt.getState(valueState<L>('left'));
      waiting = rt.getListState(listState<R>('waiting'));
    },
    processElement1(l, _ctx, out) {
      left.update(l);
      const rs = waiting.get();
      if (rs.length === 0) return;
      for (const r of rs) { const o = join(l, r); if (o !== undefined) out.collect(o); }
      waiting.clear();
    },
    processElement2(r, _ctx, out) {
      const l = left.value();
      if (l === undefined) { waiting.add(r); return; }
      const o = join(l, r);
      if (o !== undefined) out.collect(o);
    },
  };
}

/** A per-key function of state `S` (kept in one value state) that may emit one row per input. */
function perKey<IN, S, OUT>(init: () => S, step: (state: S, value: IN) => OUT | undefined): KeyedProcessFunction<unknown, IN, OUT> {
  let state: ValueState<S>;
  return {
    open(rt) { state = rt.getState(valueState<S>('acc')); },
    processElement(v, _ctx, out) {
      let s = state.value();
      if (s === undefined) { s = init(); state.update(s); }
      const o = step(s, v);
      if (o !== undefined) out.collect(o);
    },
  };
}

/** Per-day or per-channel statistics of q15/q16: counts by price rank and distinct bidders and auctions. */
interface RankStats {
  bids: [number, number, number, number];
  bidders: [Set<number>, Set<number>, Set<number>, Set<number>];
  auctions: [Set<number>, Set<number>, Set<number>, Set<number>];
  minute: string;
}
const newRankStats = (): RankStats => ({
  bids: [0, 0, 0, 0], bidders: [new Set(), new Set(), new Set(), new Set()], auctions: [new Set(), new Set(), new Set(), new Set()], minute: '',
});
const rankOf = (price: number): number => (price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3);
function addRank(s: RankStats, b: TimedBid): void {
  const r = rankOf(b.price);
  s.bids[0]++; s.bids[r]++;
  s.bidders[0].add(b.bidder); s.bidders[r]!.add(b.bidder);
  s.auctions[0].add(b.auction); s.auctions[r]!.add(b.auction);
}
function rankRow(s: RankStats): Record<string, number> {
  return {
    total_bids: s.bids[0], rank1_bids: s.bids[1], rank2_bids: s.bids[2], rank3_bids: s.bids[3],
    total_bidders: s.bidders[0].size, rank1_bidders: s.bidders[1].size, rank2_bidders: s.bidders[2].size, rank3_bidders: s.bidders[3].size,
    total_auctions: s.auctions[0].size, rank1_auctions: s.auctions[1].size, rank2_auctions: s.auctions[2].size, rank3_auctions: s.auctions[3].size,
  };
}

const CHANNEL_ID = /(&|^)channel_id=([^&]*)/;
const HOT_CHANNEL_IDS: Record<string, string> = { apple: '0', google: '1', facebook: '2', baidu: '3' };
/** `SPLIT_INDEX(text, '/', i)`: NULL when there is no such part. */
function splitIndex(text: string, i: number): string | null {
  const parts = text.split('/');
  return i < parts.length ? parts[i]! : null;
}
/** The bounded side input of q13: key 0..9999 → a fixed text. */
const SIDE_INPUT = new Map<number, string>(Array.from({ length: 10_000 }, (_, k) => [k, `side-${k}`]));

/** One Nexmark query: how to build it and what it outputs. */
export interface NexmarkQuery {
  readonly name: string;
  readonly description: string;
  build(events: Events): DataStream<OutRow>;
}

/** Streams of different row types meet in one list; the sink reads only `emittedAt`. */
const rows = <T extends Timed>(s: DataStream<T>): DataStream<OutRow> => s as unknown as DataStream<OutRow>;

const queries: NexmarkQuery[] = [
  {
    name: 'gen', description: 'source only: the generator (or file reader) straight into the sink, to cost the input',
    build: (events) => rows(events),
  },
  {
    name: 'q0', description: 'pass-through: bid projection',
    build: (events) => rows(bids(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra, emittedAt: b.emittedAt }))),
  },
  {
    name: 'q1', description: 'currency conversion: price × 0.908',
    build: (events) => rows(bids(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: euros(b.price), dateTime: b.dateTime, extra: b.extra, emittedAt: b.emittedAt }))),
  },
  {
    name: 'q2', description: 'selection: auction % 123 = 0',
    build: (events) => rows(bids(events).filter((b) => b.auction % 123 === 0).map((b) => ({ auction: b.auction, price: b.price, emittedAt: b.emittedAt }))),
  },
  {
    name: 'q3', description: 'local item suggestion: auction (category 10) ⋈ person (OR, ID, CA)',
    build: (events) => {
      const a = auctions(events).filter((x) => x.category === 10);
      const p = persons(events).filter((x) => x.state === 'OR' || x.state === 'ID' || x.state === 'CA');
      return p.connect(a).keyBy((x) => x.id, (x) => x.seller)
        .process(() => uniqueLeftJoin<TimedPerson, TimedAuction, OutRow>((pp, aa) => ({ name: pp.name, city: pp.city, state: pp.state, id: aa.id, emittedAt: later(pp.emittedAt, aa.emittedAt) })))
        .name('q3-join');
    },
  },
  {
    name: 'q4', description: 'average winning bid per category (updating)',
    build: (events) => {
      interface Winning extends Timed { category: number; old: number | undefined; price: number }
      const winning = auctions(events).connect(bids(events)).keyBy((a) => a.id, (b) => b.auction).process((): KeyedCoProcessFunction<unknown, TimedAuction, TimedBid, Winning> => {
        let auction: ValueState<TimedAuction>;
        let max: ValueState<number>;
        let waiting: ListState<TimedBid>;
        const offer = (a: TimedAuction, b: TimedBid, out: { collect(v: Winning): void }): void => {
          if (b.dateTime < a.dateTime || b.dateTime > a.expires) return;
          const old = max.value();
          if (old !== undefined && b.price <= old) return;
          max.update(b.price);
          out.collect({ category: a.category, old, price: b.price, emittedAt: later(a.emittedAt, b.emittedAt) });
        };
        return {
          open(rt) {
            auction = rt.getState(valueState<TimedAuction>('auction'));
            max = rt.getState(valueState<number>('max'));
            waiting = rt.getListState(listState<TimedBid>('waiting'));
          },
          processElement1(a, _ctx, out) {
            auction.update(a);
            for (const b of waiting.get()) offer(a, b, out);
            waiting.clear();
          },
          processElement2(b, _ctx, out) {
            const a = auction.value();
            if (a === undefined) waiting.add(b); else offer(a, b, out);
          },
        };
      }).name('q4-max');
      return winning.keyBy((w) => w.category).process(() => perKey<Winning, { sum: number; n: number }, OutRow>(
        () => ({ sum: 0, n: 0 }),
        (s, w) => {
          if (w.old === undefined) { s.n++; s.sum += w.price; } else s.sum += w.price - w.old;
          // AVG of a BIGINT is a BIGINT in Flink: truncated.
          return { category: w.category, avg: Math.trunc(s.sum / s.n), emittedAt: w.emittedAt };
        },
      )).name('q4-avg');
    },
  },
  {
    name: 'q5', description: 'hot items: HOP 10 s / 2 s count per auction, keep the max per window',
    build: (events) => {
      interface Count extends Timed { auction: number; num: number; end: number }
      const counts = bids(events).keyBy((b) => b.auction).window(slidingEventTimeWindows(10_000, 2_000))
        .aggregate(countWithTime, {
          process(auction: number, ctx: { window: TimeWindow }, r: readonly { n: number; t: number }[], out: { collect(v: Count): void }) {
            out.collect({ auction, num: r[0]!.n, end: ctx.window.end, emittedAt: r[0]!.t });
          },
        }).name('q5-count');
      // All counts of one window arrive before the watermark that passes its end: keep the leaders, emit on that watermark.
      return counts.keyBy((c) => c.end).process((): KeyedProcessFunction<number, Count, OutRow> => {
        let best: ValueState<Count[]>;
        return {
          open(rt) { best = rt.getState(valueState<Count[]>('best')); },
          processElement(c, ctx, _out) {
            const cur = best.value();
            if (cur === undefined) { best.update([c]); ctx.timerService.registerEventTimeTimer(c.end - 1); return; }
            if (c.num > cur[0]!.num) best.update([c]); else if (c.num === cur[0]!.num) cur.push(c);
          },
          onTimer(_t, _ctx, out) {
            const cur = best.value() ?? [];
            let t = 0;
            for (const c of cur) t = later(t, c.emittedAt);
            for (const c of cur) out.collect({ auction: c.auction, num: c.num, emittedAt: t });
            best.clear();
          },
        };
      }).name('q5-max');
    },
  },
  {
    name: 'q7', description: 'highest bid per 10 s tumbling window',
    build: (events) => {
      interface Highest { max: number; bids: TimedBid[]; t: number }
      const highest: AggregateFunction<TimedBid, Highest, Highest> = {
        createAccumulator: () => ({ max: -1, bids: [], t: 0 }),
        add(b, acc) {
          acc.t = later(acc.t, b.emittedAt);
          if (b.price > acc.max) { acc.max = b.price; acc.bids = [b]; } else if (b.price === acc.max) acc.bids.push(b);
          return acc;
        },
        getResult: (acc) => acc,
      };
      return bids(events).keyBy((b) => Math.floor(b.dateTime / 10_000)).window(tumblingEventTimeWindows(10_000))
        .aggregate(highest, {
          process(_k: number, _ctx: unknown, r: readonly Highest[], out: { collect(v: OutRow): void }) {
            for (const b of r[0]!.bids) out.collect({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra, emittedAt: r[0]!.t });
          },
        }).name('q7-max');
    },
  },
  {
    name: 'q8', description: 'monitor new users: persons who opened auctions in the same 10 s tumbling window',
    build: (events) => {
      interface Side extends Timed { id: number; name: string | null }
      interface Acc { name: string | null; auction: boolean; t: number }
      const agg: AggregateFunction<Side, Acc, Acc> = {
        createAccumulator: () => ({ name: null, auction: false, t: 0 }),
        add(v, acc) { if (v.name === null) acc.auction = true; else acc.name = v.name; acc.t = later(acc.t, v.emittedAt); return acc; },
        getResult: (acc) => acc,
      };
      const p = persons(events).map((x): Side => ({ id: x.id, name: x.name, emittedAt: x.emittedAt }));
      const a = auctions(events).map((x): Side => ({ id: x.seller, name: null, emittedAt: x.emittedAt }));
      return p.union(a).keyBy((s) => s.id).window(tumblingEventTimeWindows(10_000))
        .aggregate(agg, {
          process(id: number, ctx: { window: TimeWindow }, r: readonly Acc[], out: { collect(v: OutRow): void }) {
            const acc = r[0]!;
            if (acc.name !== null && acc.auction) out.collect({ id, name: acc.name, starttime: ctx.window.start, emittedAt: acc.t });
          },
        }).name('q8-window');
    },
  },
  {
    name: 'q9', description: 'winning bid per auction (updating top-1)',
    build: (events) => rows(auctions(events).connect(bids(events)).keyBy((a) => a.id, (b) => b.auction).process((): KeyedCoProcessFunction<unknown, TimedAuction, TimedBid, OutRow> => {
      let auction: ValueState<TimedAuction>;
      let best: ValueState<TimedBid>;
      let waiting: ListState<TimedBid>;
      const offer = (a: TimedAuction, b: TimedBid, out: { collect(v: OutRow): void }): void => {
        if (b.dateTime < a.dateTime || b.dateTime > a.expires) return;
        const cur = best.value();
        if (cur !== undefined && (b.price < cur.price || (b.price === cur.price && b.dateTime >= cur.dateTime))) return;
        best.update(b);
        out.collect({
          id: a.id, itemName: a.itemName, description: a.description, initialBid: a.initialBid, reserve: a.reserve, dateTime: a.dateTime,
          expires: a.expires, seller: a.seller, category: a.category, extra: a.extra,
          auction: b.auction, bidder: b.bidder, price: b.price, bid_dateTime: b.dateTime, bid_extra: b.extra, emittedAt: later(a.emittedAt, b.emittedAt),
        });
      };
      return {
        open(rt) {
          auction = rt.getState(valueState<TimedAuction>('auction'));
          best = rt.getState(valueState<TimedBid>('best'));
          waiting = rt.getListState(listState<TimedBid>('waiting'));
        },
        processElement1(a, _ctx, out) {
          auction.update(a);
          for (const b of waiting.get()) offer(a, b, out);
          waiting.clear();
        },
        processElement2(b, _ctx, out) {
          const a = auction.value();
          if (a === undefined) waiting.add(b); else offer(a, b, out);
        },
      };
    }).name('q9-top1')),
  },
  {
    name: 'q11', description: 'user sessions: bids per bidder per session (10 s gap)',
    build: (events) => rows(bids(events).keyBy((b) => b.bidder).window(eventTimeSessionWindows(10_000))
      .aggregate(countWithTime, {
        process(bidder: number, ctx: { window: TimeWindow }, r: readonly { n: number; t: number }[], out: { collect(v: OutRow): void }) {
          out.collect({ bidder, bid_count: r[0]!.n, starttime: ctx.window.start, endtime: ctx.window.end, emittedAt: r[0]!.t });
        },
      }).name('q11-session')),
  },
  {
    name: 'q12', description: 'bids per bidder per 10 s processing-time window',
    build: (events) => rows(bids(events).keyBy((b) => b.bidder).window(tumblingProcessingTimeWindows(10_000))
      .aggregate(countWithTime, {
        process(bidder: number, ctx: { window: TimeWindow }, r: readonly { n: number; t: number }[], out: { collect(v: OutRow): void }) {
          out.collect({ bidder, bid_count: r[0]!.n, starttime: ctx.window.start, endtime: ctx.window.end, emittedAt: r[0]!.t });
        },
      }).name('q12-window')),
  },
  {
    name: 'q13', description: 'bounded side input join: bid ⋈ side_input on auction % 10000',
    build: (events) => rows(bids(events).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, value: SIDE_INPUT.get(b.auction % 10_000)!, emittedAt: b.emittedAt }))),
  },
  {
    name: 'q14', description: 'CASE on the hour, price filter and a count_char UDF',
    build: (events) => rows(bids(events).filter((b) => { const p = euros(b.price); return p > 1_000_000 && p < 50_000_000; }).map((b) => {
      const hour = Math.floor((b.dateTime % DAY_MS) / 3_600_000);
      const bidTimeType = hour >= 8 && hour <= 18 ? 'dayTime' : hour <= 6 || hour >= 20 ? 'nightTime' : 'otherTime';
      let c = 0;
      for (let i = 0; i < b.extra.length; i++) if (b.extra.charCodeAt(i) === 99) c++;
      return { auction: b.auction, bidder: b.bidder, price: euros(b.price), bidTimeType, dateTime: b.dateTime, extra: b.extra, c_counts: c, emittedAt: b.emittedAt };
    })),
  },
  {
    name: 'q15', description: 'bidding statistics per day: counts and DISTINCT counts by price rank (updating)',
    build: (events) => rows(bids(events).keyBy((b) => dayOf(b.dateTime)).process(() => perKey<TimedBid, RankStats, OutRow>(newRankStats, (s, b) => {
      addRank(s, b);
      return { day: dayOf(b.dateTime), ...rankRow(s), emittedAt: b.emittedAt };
    })).name('q15-agg')),
  },
  {
    name: 'q16', description: 'channel statistics per day (updating)',
    build: (events) => rows(bids(events).keyBy((b) => `${b.channel}|${dayOf(b.dateTime)}`).process(() => perKey<TimedBid, RankStats, OutRow>(newRankStats, (s, b) => {
      addRank(s, b);
      const m = minuteOf(b.dateTime);
      if (m > s.minute) s.minute = m;
      return { channel: b.channel, day: dayOf(b.dateTime), minute: s.minute, ...rankRow(s), emittedAt: b.emittedAt };
    })).name('q16-agg')),
  },
  {
    name: 'q17', description: 'auction statistics per day (updating)',
    build: (events) => {
      interface S { n: number; r1: number; r2: number; r3: number; min: number; max: number; sum: number }
      return bids(events).keyBy((b) => b.auction * 100_000 + Math.floor(b.dateTime / DAY_MS)).process(() => perKey<TimedBid, S, OutRow>(
        () => ({ n: 0, r1: 0, r2: 0, r3: 0, min: Infinity, max: -Infinity, sum: 0 }),
        (s, b) => {
          s.n++;
          const r = rankOf(b.price);
          if (r === 1) s.r1++; else if (r === 2) s.r2++; else s.r3++;
          if (b.price < s.min) s.min = b.price;
          if (b.price > s.max) s.max = b.price;
          s.sum += b.price;
          return {
            auction: b.auction, day: dayOf(b.dateTime), total_bids: s.n, rank1_bids: s.r1, rank2_bids: s.r2, rank3_bids: s.r3,
            min_price: s.min, max_price: s.max, avg_price: Math.trunc(s.sum / s.n), sum_price: s.sum, emittedAt: b.emittedAt,
          };
        },
      )).name('q17-agg');
    },
  },
  {
    name: 'q18', description: 'last bid per bidder and auction (deduplication on event time)',
    build: (events) => rows(bids(events).keyBy((b) => b.bidder * 16_777_216 + b.auction).process((): KeyedProcessFunction<number, TimedBid, OutRow> => {
      let last: ValueState<number>;
      return {
        open(rt) { last = rt.getState(valueState<number>('last')); },
        processElement(b, _ctx, out) {
          const t = last.value();
          if (t !== undefined && b.dateTime < t) return;
          last.update(b.dateTime);
          out.collect(b as unknown as OutRow);
        },
      };
    }).name('q18-dedup')),
  },
  {
    name: 'q19', description: 'top 10 bids per auction (updating ranks)',
    build: (events) => rows(bids(events).keyBy((b) => b.auction).process((): KeyedProcessFunction<number, TimedBid, OutRow> => {
      let top: ValueState<TimedBid[]>;
      return {
        open(rt) { top = rt.getState(valueState<TimedBid[]>('top')); },
        processElement(b, _ctx, out) {
          let list = top.value();
          if (list === undefined) { list = []; top.update(list); }
          let at = list.length;
          while (at > 0 && list[at - 1]!.price < b.price) at--;
          if (at >= 10) return;
          list.splice(at, 0, b);
          if (list.length > 10) list.length = 10;
          // Every row whose rank changed is emitted with its new rank, as Flink's updating top-N does.
          for (let i = at; i < list.length; i++) {
            const x = list[i]!;
            out.collect({ auction: x.auction, bidder: x.bidder, price: x.price, channel: x.channel, url: x.url, dateTime: x.dateTime, extra: x.extra, rank_number: i + 1, emittedAt: b.emittedAt });
          }
        },
      };
    }).name('q19-topn')),
  },
  {
    name: 'q20', description: 'expand bid with auction: bid ⋈ auction (category 10)',
    build: (events) => rows(auctions(events).filter((a) => a.category === 10).connect(bids(events)).keyBy((a) => a.id, (b) => b.auction)
      .process(() => uniqueLeftJoin<TimedAuction, TimedBid, OutRow>((a, b) => ({
        auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, url: b.url, dateTime: b.dateTime, extra: b.extra,
        itemName: a.itemName, description: a.description, initialBid: a.initialBid, reserve: a.reserve, auctionDateTime: a.dateTime,
        expires: a.expires, seller: a.seller, category: a.category, auctionExtra: a.extra, emittedAt: later(a.emittedAt, b.emittedAt),
      }))).name('q20-join')),
  },
  {
    name: 'q21', description: 'add channel id: CASE + REGEXP_EXTRACT',
    build: (events) => rows(bids(events).flatMap((b) => {
      const lower = b.channel.toLowerCase();
      const m = CHANNEL_ID.exec(b.url);
      const extracted = m === null ? null : m[2]!;
      const hot = HOT_CHANNEL_IDS[lower];
      if (extracted === null && hot === undefined) return [];
      return [{ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, channel_id: hot ?? extracted, emittedAt: b.emittedAt }];
    })),
  },
  {
    name: 'q22', description: 'get URL directories: SPLIT_INDEX',
    build: (events) => rows(bids(events).map((b) => ({
      auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel,
      dir1: splitIndex(b.url, 3), dir2: splitIndex(b.url, 4), dir3: splitIndex(b.url, 5), emittedAt: b.emittedAt,
    }))),
  },
];

/** Every query the harness can run, by name (`gen` is the input alone). */
export const NEXMARK_QUERIES: ReadonlyMap<string, NexmarkQuery> = new Map(queries.map((q) => [q.name, q]));

/** The Nexmark queries weir does not run, with the reason. */
export const NEXMARK_NOT_DONE: Readonly<Record<string, string>> = {
  q6: 'not in Flink\'s Nexmark set (it needs a retracting OVER window on a join)',
  q10: 'writes every event to a partitioned filesystem sink; it measures the file sink, not the engine, and is skipped here',
};

/** What a Nexmark job needs: the query, the input, and where the sink's latency counts go. */
export interface NexmarkJobArgs {
  query: string;
  events: number;
  seed: number;
  /** Event-time rate of the generator (events per second of event time). */
  firstEventRate: number;
  /** An NDJSON file (from `writeNexmarkFile`) to read instead of generating. */
  input?: string | undefined;
  /** Wall-clock rate limit of the source, events/s; 0 = none. */
  ratePerSecond?: number;
  /** `LatencyHistogram.sharedBuffer(parallelism)`. */
  histogram: SharedArrayBuffer;
}

/** One Nexmark query over the generator (or a file) into a latency-measuring blackhole. */
export const nexmarkJob = defineJob(import.meta.url, 'nexmarkJob', (env, a: NexmarkJobArgs) => {
  const query = NEXMARK_QUERIES.get(a.query);
  if (!query) throw new Error(`unknown nexmark query ${a.query}`);
  const source = a.input
    ? nexmarkFileSource(a.input)
    : nexmarkSource({ seed: a.seed, numEvents: a.events, firstEventRate: a.firstEventRate, ratePerSecond: a.ratePerSecond ?? 0 });
  const events = env.fromSource(source, nexmarkWatermarks<TimedNexmarkEvent>(), a.input ? 'nexmark-file' : 'nexmark');
  query.build(events).sinkTo(latencySink<OutRow>({ emittedAt: (r) => r.emittedAt, buffer: a.histogram }), 'sink');
}, { batchSize: 1024 });
