/**
 * The Nexmark event model, shaped like the rows of Flink's Nexmark table:
 * `(event_type INT, person ROW<...>, auction ROW<...>, bid ROW<...>, dateTime TIMESTAMP(3))`.
 * Times are epoch milliseconds; ids and prices are plain numbers (they stay far below 2^53).
 */

/** `event_type` of a person event. */
export const PERSON_EVENT = 0;
/** `event_type` of an auction event. */
export const AUCTION_EVENT = 1;
/** `event_type` of a bid event. */
export const BID_EVENT = 2;

/** The `event_type` column: 0 person, 1 auction, 2 bid. */
export type NexmarkEventType = typeof PERSON_EVENT | typeof AUCTION_EVENT | typeof BID_EVENT;

/** A new user of the auction site. */
export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

/** An item put up for auction by a person (`seller`). */
export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  /** When bidding closes; always later than `dateTime`. */
  expires: number;
  /** A person id. */
  seller: number;
  /** 10 .. 14. */
  category: number;
  extra: string;
}

/** A bid by a person (`bidder`) on an auction. */
export interface Bid {
  /** An auction id. */
  auction: number;
  /** A person id. */
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** A person event: only `person` is set. */
export interface PersonEvent {
  event_type: typeof PERSON_EVENT;
  person: Person;
  auction: null;
  bid: null;
  dateTime: number;
}

/** An auction event: only `auction` is set. */
export interface AuctionEvent {
  event_type: typeof AUCTION_EVENT;
  person: null;
  auction: Auction;
  bid: null;
  dateTime: number;
}

/** A bid event: only `bid` is set. */
export interface BidEvent {
  event_type: typeof BID_EVENT;
  person: null;
  auction: null;
  bid: Bid;
  dateTime: number;
}

/**
 * One event of the Nexmark stream. Exactly one of `person`, `auction`, `bid` is non-null, as told by
 * `event_type`; `dateTime` repeats that row's `dateTime` (Flink computes the same column).
 */
export type NexmarkEvent = PersonEvent | AuctionEvent | BidEvent;

/** Nominal bytes of a number or timestamp field: a Java `long`. */
const LONG_BYTES = 8;
/** Nominal bytes of a person's numbers and timestamps (id, dateTime). */
export const PERSON_FIXED_BYTES = 2 * LONG_BYTES;
/** Nominal bytes of an auction's numbers and timestamps (id, initialBid, reserve, dateTime, expires, seller, category). */
export const AUCTION_FIXED_BYTES = 7 * LONG_BYTES;
/** Nominal bytes of a bid's numbers and timestamps (auction, bidder, price, dateTime). */
export const BID_FIXED_BYTES = 4 * LONG_BYTES;

/**
 * The nominal size in bytes that the `avg*ByteSize` options aim at: 8 bytes per number or timestamp plus
 * the length of every string (all generated strings are ASCII, so length = UTF-8 bytes), `extra` included.
 * It measures the record, not any encoding of it; an NDJSON line is longer.
 */
export function nexmarkEventSize(event: NexmarkEvent): number {
  switch (event.event_type) {
    case PERSON_EVENT: {
      const p = event.person;
      return PERSON_FIXED_BYTES + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length;
    }
    case AUCTION_EVENT:
      return AUCTION_FIXED_BYTES + event.auction.itemName.length + event.auction.description.length + event.auction.extra.length;
    default:
      return BID_FIXED_BYTES + event.bid.channel.length + event.bid.url.length + event.bid.extra.length;
  }
}
