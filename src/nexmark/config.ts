import { UserError } from '../core/errors.js';

/**
 * Parameters of the Nexmark event stream. Names follow the Nexmark reference generator; every field has
 * a default (see {@link DEFAULT_NEXMARK_CONFIG}) so `new NexmarkGenerator({ seed: 7 })` is a full setup.
 */
export interface NexmarkConfig {
  /** Seeds every random choice. The same seed and config give the same events, byte for byte. */
  seed: number;
  /** Events per second of event time; event `n` happens at `baseTime + floor(n * 1000 / firstEventRate)`. */
  firstEventRate: number;
  /** Events in the stream, numbered `0 .. numEvents - 1`. `0` means unbounded. */
  numEvents: number;
  /** Event time of event 0, epoch ms. Fixed by default so runs repeat. */
  baseTime: number;
  /** Random (non-hot) persons are drawn from the most recent `numActivePeople` persons. */
  numActivePeople: number;
  /** Random (non-hot) auctions are drawn from the most recent `numInFlightAuctions` auctions; also sets the mean auction length. */
  numInFlightAuctions: number;
  /** A bid goes to the hot auction with probability `1 - 1/hotAuctionRatio`. */
  hotAuctionRatio: number;
  /** An auction is sold by the hot seller with probability `1 - 1/hotSellersRatio`. */
  hotSellersRatio: number;
  /** A bid comes from the hot bidder with probability `1 - 1/hotBiddersRatio`. */
  hotBiddersRatio: number;
  /** Average nominal size of a person in bytes (see `nexmarkEventSize`); `extra` pads to it. */
  avgPersonByteSize: number;
  /** Average nominal size of an auction in bytes. */
  avgAuctionByteSize: number;
  /** Average nominal size of a bid in bytes. */
  avgBidByteSize: number;
  /** Persons per `personProportion + auctionProportion + bidProportion` events. */
  personProportion: number;
  /** Auctions per cycle of events. */
  auctionProportion: number;
  /** Bids per cycle of events. */
  bidProportion: number;
}

/** 2025-01-01T00:00:00.000Z: the default event time of event 0. */
export const DEFAULT_BASE_TIME = Date.UTC(2025, 0, 1);

/**
 * The defaults of the Nexmark reference generator, with the event rate and count of the "100m" suite that
 * Flink's Nexmark runner publishes (10 million events per second of event time, 100 million events).
 */
export const DEFAULT_NEXMARK_CONFIG: Readonly<NexmarkConfig> = Object.freeze({
  seed: 42,
  firstEventRate: 10_000_000,
  numEvents: 100_000_000,
  baseTime: DEFAULT_BASE_TIME,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
});

const ORIGIN = 'nexmark';
const MAX_BASE_TIME = Date.UTC(9000, 0, 1);

function requireInteger(config: NexmarkConfig, field: keyof NexmarkConfig, min: number): void {
  const v = config[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new UserError(`nexmark option ${field} must be an integer >= ${min}, got ${String(v)}`, {
      origin: ORIGIN,
      hint: `set ${field} to a whole number of at least ${min} or leave it out for the default ${DEFAULT_NEXMARK_CONFIG[field]}`,
    });
  }
}

/**
 * Fills in defaults and checks every option, so the generator's hot loop needs no checks.
 * Throws `UserError` naming the option when one is out of range.
 */
export function resolveNexmarkConfig(config: Partial<NexmarkConfig> = {}): Readonly<NexmarkConfig> {
  const unknown = Object.keys(config).filter((k) => !(k in DEFAULT_NEXMARK_CONFIG));
  if (unknown.length > 0) {
    throw new UserError(`unknown nexmark option ${unknown.map((k) => `"${k}"`).join(', ')}`, {
      origin: ORIGIN,
      hint: `known options: ${Object.keys(DEFAULT_NEXMARK_CONFIG).join(', ')}`,
    });
  }
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const c: NexmarkConfig = { ...DEFAULT_NEXMARK_CONFIG, ...defined };
  if (typeof c.seed !== 'number' || !Number.isSafeInteger(c.seed)) {
    throw new UserError(`nexmark option seed must be a safe integer, got ${String(c.seed)}`, {
      origin: ORIGIN,
      hint: 'pass a whole number such as 42',
    });
  }
  if (typeof c.firstEventRate !== 'number' || !Number.isFinite(c.firstEventRate) || c.firstEventRate <= 0) {
    throw new UserError(`nexmark option firstEventRate must be a positive number of events per second, got ${String(c.firstEventRate)}`, {
      origin: ORIGIN,
      hint: 'e.g. 10000000 for the rate of Flink\'s 100m suite',
    });
  }
  requireInteger(c, 'numEvents', 0);
  requireInteger(c, 'baseTime', 0);
  // Timestamps are written as yyyy-MM-dd, which has four digits for the year.
  if (c.baseTime >= MAX_BASE_TIME) {
    throw new UserError(`nexmark option baseTime ${c.baseTime} is after the year 9000`, { origin: ORIGIN, hint: 'pass epoch milliseconds, e.g. Date.UTC(2025, 0, 1)' });
  }
  for (const f of ['numActivePeople', 'numInFlightAuctions', 'hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio', 'personProportion', 'auctionProportion'] as const) {
    requireInteger(c, f, 1);
  }
  for (const f of ['avgPersonByteSize', 'avgAuctionByteSize', 'avgBidByteSize', 'bidProportion'] as const) {
    requireInteger(c, f, 0);
  }
  // Ratios are drawn with the generator's small-bound draw (up to 2^21).
  for (const f of ['hotAuctionRatio', 'hotSellersRatio', 'hotBiddersRatio'] as const) {
    if (c[f] > 1_000_000) {
      throw new UserError(`nexmark option ${f} = ${c[f]} is larger than the supported 1000000`, { origin: ORIGIN, hint: `lower ${f}` });
    }
  }
  // Sizes are bounded so `extra` can always be cut from the generator's text pool.
  for (const f of ['avgPersonByteSize', 'avgAuctionByteSize', 'avgBidByteSize'] as const) {
    if (c[f] > 100_000) {
      throw new UserError(`nexmark option ${f} = ${c[f]} is larger than the supported 100000 bytes`, { origin: ORIGIN, hint: `lower ${f}` });
    }
  }
  return Object.freeze(c);
}
