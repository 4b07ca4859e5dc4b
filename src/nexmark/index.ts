/**
 * Nexmark: the standard streaming benchmark's event stream (persons, auctions, bids), generated
 * deterministically from a seed, and an NDJSON writer in the shape Flink's Nexmark table reads.
 */
export { DEFAULT_BASE_TIME, DEFAULT_NEXMARK_CONFIG, resolveNexmarkConfig, type NexmarkConfig } from './config.js';
export {
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_NAMES,
  FIRST_PERSON_ID,
  HOT_CHANNELS,
  LAST_NAMES,
  NUM_CATEGORIES,
  NUM_CHANNELS,
  NexmarkGenerator,
  US_CITIES,
  US_STATES,
  type NexmarkBatchesOptions,
} from './generator.js';
export {
  AUCTION_EVENT,
  BID_EVENT,
  PERSON_EVENT,
  nexmarkEventSize,
  type Auction,
  type AuctionEvent,
  type Bid,
  type BidEvent,
  type NexmarkEvent,
  type NexmarkEventType,
  type Person,
  type PersonEvent,
} from './model.js';
export { TimestampFormatter, parseFlinkTimestamp, parseNexmarkJson, toFlinkJson } from './json.js';
export {
  writeNexmarkFile,
  type NexmarkWriteProgress,
  type NexmarkWriteResult,
  type WriteNexmarkFileOptions,
} from './file-writer.js';
