import type { Batch } from '../core/batch.js';
import { UserError } from '../core/errors.js';
import { resolveNexmarkConfig, type NexmarkConfig } from './config.js';
import {
  AUCTION_EVENT,
  AUCTION_FIXED_BYTES,
  BID_EVENT,
  BID_FIXED_BYTES,
  PERSON_EVENT,
  PERSON_FIXED_BYTES,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type NexmarkEventType,
  type Person,
} from './model.js';
import { EventRandom } from './random.js';

/** The first person id; person ids count up from here in event order. */
export const FIRST_PERSON_ID = 1000;
/** The first auction id; auction ids count up from here in event order. */
export const FIRST_AUCTION_ID = 1000;
/** The lowest category; categories are `FIRST_CATEGORY_ID .. FIRST_CATEGORY_ID + NUM_CATEGORIES - 1`. */
export const FIRST_CATEGORY_ID = 10;
/** How many categories auctions fall into. */
export const NUM_CATEGORIES = 5;
/** How many `channel-i` channels bids come through besides the hot ones. */
export const NUM_CHANNELS = 10_000;

export const FIRST_NAMES: readonly string[] = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
export const LAST_NAMES: readonly string[] = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
export const US_STATES: readonly string[] = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
export const US_CITIES: readonly string[] = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
/** The channels that half of all bids come through, each with one fixed url. */
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];

/**
 * Event numbers stay below this when the stream is unbounded, so `n * 1000` (event time) and every id
 * remain exact doubles: at 10 million events/s that is 10 days of event time.
 */
const UNBOUNDED_LIMIT = 2 ** 43;
/** Length of the shared random text that names, descriptions and `extra` are cut from. */
const POOL_LENGTH = 8192;

/** `100 * 10^(6 i / 4096)`: the price at the start of each of 4096 equal steps of the exponent. */
const PRICE_TABLE = Float64Array.from({ length: 4096 }, (_, i) => 100 * 10 ** ((6 * i) / 4096));
/** Natural-log width of one table step, divided over the 2^20 values of the low bits. */
const PRICE_STEP = (6 * Math.LN10) / 4096 / 1048576;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const NAMES: readonly string[] = FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`));
const FOUR_DIGITS: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) | 0;
}

function checkIndex(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UserError(`${name} must be an integer >= ${min}, got ${String(value)}`, { origin: 'nexmark' });
  }
}

/** Options of {@link NexmarkGenerator.batches}. */
export interface NexmarkBatchesOptions {
  /** First event number. Default 0. */
  start?: number;
  /** Distance between event numbers; reader `i` of `p` uses `start: i, stride: p`. Default 1. */
  stride?: number;
  /** Events per yielded array. Default 4096. */
  batchSize?: number;
  /** Stop before this event number. Default: the end of the stream (`numEvents`). */
  end?: number;
}

/**
 * The Nexmark event generator: seeded, deterministic and random-access by event number.
 *
 * Event `n` is a person when `n % 50 == 0`, an auction when `n % 50` is 1..3 and a bid otherwise (with the
 * default 1:3:46 proportions). Its contents depend only on the seed, the config and `n`, so
 * `eventAt(n)` equals the `n`-th event of sequential generation, and `p` parallel readers can each produce
 * the events `n ≡ i (mod p)` with `generateBatch(start, count, p)` without coordinating.
 *
 * Every person and auction an event refers to already exists: sellers and bidders are persons, and bids
 * go to auctions, with ids no larger than the last of that kind generated at or before the event.
 *
 * @example
 * const gen = new NexmarkGenerator({ seed: 1, numEvents: 1_000_000 });
 * // reader 2 of 4: events 2, 6, 10, ...
 * for (let start = 2; start < gen.end; start += 4 * 1024) {
 *   const events = gen.generateBatch(start, 1024, 4);
 * }
 */
export class NexmarkGenerator {
  /** The resolved config, defaults filled in. */
  readonly config: Readonly<NexmarkConfig>;
  /** One past the last event number: `numEvents`, or a very large bound when the stream is unbounded. */
  readonly end: number;

  private readonly rng: EventRandom;
  private readonly baseTime: number;
  private readonly rate: number;
  private readonly personProportion: number;
  private readonly auctionProportion: number;
  private readonly personAuctionProportion: number;
  private readonly totalProportion: number;
  private readonly numActivePeople: number;
  private readonly numInFlightAuctions: number;
  private readonly hotAuctionRatio: number;
  private readonly hotSellersRatio: number;
  private readonly hotBiddersRatio: number;
  private readonly avgPersonSize: number;
  private readonly avgAuctionSize: number;
  private readonly avgBidSize: number;
  /** Events it takes to generate `numInFlightAuctions` auctions: the mean auction length in events. */
  private readonly auctionHorizonEvents: number;
  private readonly letters: string;
  private readonly text: string;
  private readonly channelNames: string[];
  private readonly channelUrls: string[];
  private readonly channelBaseSizes: Int32Array;
  private readonly hotUrls: string[];
  private readonly hotBaseSizes: Int32Array;

  constructor(config: Partial<NexmarkConfig> = {}) {
    const c = resolveNexmarkConfig(config);
    this.config = c;
    this.end = c.numEvents > 0 ? c.numEvents : UNBOUNDED_LIMIT;
    this.rng = new EventRandom(c.seed, 0);
    this.baseTime = c.baseTime;
    this.rate = c.firstEventRate;
    this.personProportion = c.personProportion;
    this.auctionProportion = c.auctionProportion;
    this.personAuctionProportion = c.personProportion + c.auctionProportion;
    this.totalProportion = c.personProportion + c.auctionProportion + c.bidProportion;
    this.numActivePeople = c.numActivePeople;
    this.numInFlightAuctions = c.numInFlightAuctions;
    this.hotAuctionRatio = c.hotAuctionRatio;
    this.hotSellersRatio = c.hotSellersRatio;
    this.hotBiddersRatio = c.hotBiddersRatio;
    this.avgPersonSize = c.avgPersonByteSize;
    this.avgAuctionSize = c.avgAuctionByteSize;
    this.avgBidSize = c.avgBidByteSize;
    this.auctionHorizonEvents = Math.floor((c.numInFlightAuctions * this.totalProportion) / c.auctionProportion);

    // Lookup tables come from their own stream (salt 1) so they do not shift the events' draws.
    const setup = new EventRandom(c.seed, 1);
    const maxExtra = Math.ceil(1.2 * Math.max(c.avgPersonByteSize, c.avgAuctionByteSize, c.avgBidByteSize)) + 1;
    this.letters = randomText(setup, POOL_LENGTH, false);
    this.text = randomText(setup, POOL_LENGTH + maxExtra, true);
    const baseUrl = (): string => `https://www.nexmark.com/${urlSegment(setup)}/${urlSegment(setup)}/${urlSegment(setup)}/item.htm?query=1`;
    this.channelNames = new Array<string>(NUM_CHANNELS);
    this.channelUrls = new Array<string>(NUM_CHANNELS);
    this.channelBaseSizes = new Int32Array(NUM_CHANNELS);
    for (let i = 0; i < NUM_CHANNELS; i++) {
      const name = `channel-${i}`;
      let url = baseUrl();
      // 9 of 10 channels carry an id in their url, which q21 extracts with REGEXP_EXTRACT.
      if (setup.nextInt(10) > 0) url += `&channel_id=${Math.abs(reverseBits32(i))}`;
      this.channelNames[i] = name;
      this.channelUrls[i] = url;
      this.channelBaseSizes[i] = BID_FIXED_BYTES + name.length + url.length;
    }
    this.hotUrls = HOT_CHANNELS.map(() => baseUrl());
    this.hotBaseSizes = Int32Array.from(HOT_CHANNELS, (name, i) => BID_FIXED_BYTES + name.length + this.hotUrls[i]!.length);
  }

  /** The kind of event `n`: 0 person, 1 auction, 2 bid. */
  eventTypeOf(n: number): NexmarkEventType {
    const offset = n % this.totalProportion;
    if (offset < this.personProportion) return PERSON_EVENT;
    return offset < this.personAuctionProportion ? AUCTION_EVENT : BID_EVENT;
  }

  /** Event time of event `n`, epoch ms: `baseTime + floor(n * 1000 / firstEventRate)`. */
  timestampOf(n: number): number {
    return this.baseTime + Math.floor((n * 1000) / this.rate);
  }

  /** Id of the last person generated at or before event `n`; below `FIRST_PERSON_ID` if none yet. */
  lastPersonId(n: number): number {
    const epoch = Math.floor(n / this.totalProportion);
    const offset = n - epoch * this.totalProportion;
    return FIRST_PERSON_ID + epoch * this.personProportion + Math.min(offset, this.personProportion - 1);
  }

  /** Id of the last auction generated at or before event `n`; below `FIRST_AUCTION_ID` if none yet. */
  lastAuctionId(n: number): number {
    const epoch = Math.floor(n / this.totalProportion);
    const offset = n - epoch * this.totalProportion;
    if (offset < this.personProportion) return FIRST_AUCTION_ID + epoch * this.auctionProportion - 1;
    return FIRST_AUCTION_ID + epoch * this.auctionProportion + Math.min(offset - this.personProportion, this.auctionProportion - 1);
  }

  /**
   * Event number `n` of the stream, identical to the one sequential generation produces.
   * Throws `UserError` when `n` is not an event number of this stream.
   */
  eventAt(n: number): NexmarkEvent {
    checkIndex(n, 'event number', 0);
    if (n >= this.end) {
      throw new UserError(`event number ${n} is past the end of the stream (numEvents = ${this.config.numEvents})`, {
        origin: 'nexmark',
        hint: 'raise numEvents or set it to 0 for an unbounded stream',
      });
    }
    return this.make(n);
  }

  /**
   * Up to `count` events numbered `start, start + stride, start + 2 * stride, ...`, stopping at the end of
   * the stream; fewer (or none) are returned there.
   */
  generateBatch(startEvent: number, count: number, stride = 1): NexmarkEvent[] {
    const n = this.available(startEvent, count, stride);
    const out = new Array<NexmarkEvent>(n);
    for (let i = 0, e = startEvent; i < n; i++, e += stride) out[i] = this.make(e);
    return out;
  }

  /**
   * Like {@link generateBatch} but writes into `batch`, reusing its arrays so a source that keeps one batch
   * allocates only the events themselves. Sets `values`, `timestamps` (event time) and clears `keys`.
   * Returns how many events were written (`batch.values.length`).
   */
  fillBatch(batch: Batch<NexmarkEvent>, startEvent: number, count: number, stride = 1): number {
    const n = this.available(startEvent, count, stride);
    const values = batch.values;
    const timestamps = batch.timestamps;
    // Drop the previous events first: a scavenge during the fill would otherwise copy them as live.
    values.fill(undefined as never);
    for (let i = 0, e = startEvent; i < n; i++, e += stride) {
      const ev = this.make(e);
      values[i] = ev;
      timestamps[i] = ev.dateTime;
    }
    values.length = n;
    timestamps.length = n;
    batch.keys = undefined;
    return n;
  }

  /**
   * The bids among the event numbers `start, start + stride, ...` (`count` event numbers, as in
   * {@link generateBatch}), without the event wrapper: for sources that serve bid-only queries, which are
   * most of Nexmark. Readers split the stream exactly as with `generateBatch`. Writes into `batch` like
   * {@link fillBatch} and returns how many bids it holds.
   */
  fillBids(batch: Batch<Bid>, startEvent: number, count: number, stride = 1): number {
    const n = this.available(startEvent, count, stride);
    const values = batch.values;
    const timestamps = batch.timestamps;
    values.fill(undefined as never);
    const total = this.totalProportion;
    const firstBid = this.personAuctionProportion;
    let k = 0;
    for (let i = 0, e = startEvent; i < n; i++, e += stride) {
      const epoch = Math.floor(e / total);
      if (e - epoch * total < firstBid) continue;
      const ts = this.timestampOf(e);
      this.rng.reset(e);
      values[k] = this.bid(epoch, ts);
      timestamps[k++] = ts;
    }
    values.length = k;
    timestamps.length = k;
    batch.keys = undefined;
    return k;
  }

  /**
   * Yields the events from `start` (inclusive) to `end` (exclusive) with the given stride, `batchSize`
   * at a time. Memory stays at one batch however long the stream.
   */
  *batches(options: NexmarkBatchesOptions = {}): Generator<NexmarkEvent[], void, undefined> {
    const start = options.start ?? 0;
    const stride = options.stride ?? 1;
    const batchSize = options.batchSize ?? 4096;
    const end = Math.min(options.end ?? this.end, this.end);
    checkIndex(start, 'start', 0);
    checkIndex(stride, 'stride', 1);
    checkIndex(batchSize, 'batchSize', 1);
    checkIndex(end, 'end', 0);
    for (let e = start; e < end; e += batchSize * stride) {
      const count = Math.min(batchSize, Math.ceil((end - e) / stride));
      yield this.generateBatch(e, count, stride);
    }
  }

  private available(start: number, count: number, stride: number): number {
    checkIndex(start, 'startEvent', 0);
    checkIndex(count, 'count', 0);
    checkIndex(stride, 'stride', 1);
    if (start >= this.end) return 0;
    return Math.min(count, Math.ceil((this.end - start) / stride));
  }

  private make(n: number): NexmarkEvent {
    const total = this.totalProportion;
    const epoch = Math.floor(n / total);
    const offset = n - epoch * total;
    const ts = this.timestampOf(n);
    this.rng.reset(n);
    if (offset >= this.personAuctionProportion) {
      return { event_type: BID_EVENT, person: null, auction: null, bid: this.bid(epoch, ts), dateTime: ts };
    }
    if (offset < this.personProportion) {
      return { event_type: PERSON_EVENT, person: this.person(epoch, offset, ts), auction: null, bid: null, dateTime: ts };
    }
    return { event_type: AUCTION_EVENT, person: null, auction: this.auction(n, epoch, offset, ts), bid: null, dateTime: ts };
  }

  private person(epoch: number, offset: number, ts: number): Person {
    const rng = this.rng;
    const id = FIRST_PERSON_ID + epoch * this.personProportion + offset;
    const name = NAMES[rng.nextInt(NAMES.length)]!;
    const emailAddress = `${this.word(7)}@${this.word(5)}.com`;
    const creditCard = `${FOUR_DIGITS[rng.nextInt(10_000)]!} ${FOUR_DIGITS[rng.nextInt(10_000)]!} ${FOUR_DIGITS[rng.nextInt(10_000)]!} ${FOUR_DIGITS[rng.nextInt(10_000)]!}`;
    const city = US_CITIES[rng.nextInt(US_CITIES.length)]!;
    const state = US_STATES[rng.nextInt(US_STATES.length)]!;
    const base = PERSON_FIXED_BYTES + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.extra(base, this.avgPersonSize);
    return { id, name, emailAddress, creditCard, city, state, dateTime: ts, extra };
  }

  private auction(n: number, epoch: number, offset: number, ts: number): Auction {
    const rng = this.rng;
    const id = FIRST_AUCTION_ID + epoch * this.auctionProportion + offset - this.personProportion;
    // The persons of this cycle come before its auctions, so they all exist.
    const lastPerson = epoch * this.personProportion + this.personProportion - 1;
    const itemName = this.phrase(20);
    const description = this.phrase(100);
    const initialBid = this.price();
    const reserve = initialBid + this.price();
    const hsr = this.hotSellersRatio;
    const seller = FIRST_PERSON_ID + (rng.nextInt(hsr) > 0 ? Math.floor(lastPerson / hsr) * hsr : this.randomPerson(lastPerson));
    const category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    // Uniform on [1, 2 * horizon], so the mean length is the time to generate numInFlightAuctions more auctions.
    const horizonMs = this.timestampOf(n + this.auctionHorizonEvents) - ts;
    const expires = ts + 1 + rng.nextLong(Math.max(2 * horizonMs, 1));
    const extra = this.extra(AUCTION_FIXED_BYTES + itemName.length + description.length, this.avgAuctionSize);
    return { id, itemName, description, initialBid, reserve, dateTime: ts, expires, seller, category, extra };
  }

  private bid(epoch: number, ts: number): Bid {
    const rng = this.rng;
    const lastAuction = epoch * this.auctionProportion + this.auctionProportion - 1;
    const lastPerson = epoch * this.personProportion + this.personProportion - 1;
    const har = this.hotAuctionRatio;
    let auction: number;
    if (rng.nextInt(har) > 0) {
      auction = Math.floor(lastAuction / har) * har;
    } else {
      const min = Math.max(lastAuction - this.numInFlightAuctions, 0);
      auction = min + rng.nextLong(lastAuction - min + 1);
    }
    const hbr = this.hotBiddersRatio;
    // The hot bidder sits one above a multiple of the ratio (the hot seller sits on one), so the two differ;
    // taken from the newest block that already has that person, so it exists.
    const bidder = rng.nextInt(hbr) > 0 ? (lastPerson < 1 ? 0 : Math.floor((lastPerson - 1) / hbr) * hbr + 1) : this.randomPerson(lastPerson);
    const price = this.price();
    let channel: string;
    let url: string;
    let base: number;
    if (rng.nextInt(2) === 0) {
      const k = rng.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[k]!;
      url = this.hotUrls[k]!;
      base = this.hotBaseSizes[k]!;
    } else {
      const k = rng.nextInt(NUM_CHANNELS);
      channel = this.channelNames[k]!;
      url = this.channelUrls[k]!;
      base = this.channelBaseSizes[k]!;
    }
    const extra = this.extra(base, this.avgBidSize);
    return {
      auction: FIRST_AUCTION_ID + auction,
      bidder: FIRST_PERSON_ID + bidder,
      price,
      channel,
      url,
      dateTime: ts,
      extra,
    };
  }

  /** A base-0 person id among the `numActivePeople` most recent, none newer than `lastPerson`. */
  private randomPerson(lastPerson: number): number {
    const numPeople = lastPerson + 1;
    const active = Math.min(numPeople, this.numActivePeople);
    return numPeople - active + this.rng.nextLong(active);
  }

  /**
   * `round(10^(6u) * 100)` for a uniform `u`: log-uniform between 1.00 and 1,000,000.00 in cents.
   * `Math.pow` costs more than the rest of a bid, so the top 12 bits of `u` pick a table entry and a
   * cubic corrects for the remaining 20 bits (relative error below 1e-11, i.e. under a thousandth of a cent).
   */
  private price(): number {
    const u = this.rng.nextU32();
    const y = (u & 0xfffff) * PRICE_STEP;
    return Math.round(PRICE_TABLE[u >>> 20]! * (1 + y * (1 + y * (0.5 + y * (1 / 6)))));
  }

  /** 3 to `max` lowercase letters. */
  private word(max: number): string {
    const len = 3 + this.rng.nextInt(max - 2);
    const off = this.rng.nextInt(this.letters.length - len + 1);
    return this.letters.substring(off, off + len);
  }

  /** 3 to `max` characters of letters and spaces. */
  private phrase(max: number): string {
    const len = 3 + this.rng.nextInt(max - 2);
    const off = this.rng.nextInt(POOL_LENGTH - len + 1);
    return this.text.substring(off, off + len);
  }

  /**
   * Padding that brings a record of nominal size `base` to `avg` on average: `avg - base` characters
   * ± 20 %, or none when the record is already that large. A slice of the shared text costs no copy.
   */
  private extra(base: number, avg: number): string {
    const want = avg - base;
    if (want <= 0) return '';
    const delta = Math.round(want * 0.2);
    const len = want - delta + this.rng.nextInt(2 * delta + 1);
    const off = this.rng.nextInt(this.text.length - len + 1);
    return this.text.substring(off, off + len);
  }
}

function randomText(rng: EventRandom, length: number, spaces: boolean): string {
  const chars = new Array<string>(length);
  let prevSpace = true;
  for (let i = 0; i < length; i++) {
    // About one word break in eight characters, never two in a row.
    if (spaces && !prevSpace && rng.nextInt(8) === 0) {
      chars[i] = ' ';
      prevSpace = true;
    } else {
      chars[i] = ALPHABET[rng.nextInt(26)]!;
      prevSpace = false;
    }
  }
  return chars.join('');
}

function urlSegment(rng: EventRandom): string {
  const len = 3 + rng.nextInt(3);
  let s = '';
  for (let i = 0; i < len; i++) s += rng.nextInt(9) === 0 ? '_' : ALPHABET[rng.nextInt(26)]!;
  return s;
}
