import { formatTimestamp } from '../core/time.js';
import { UserError } from '../core/errors.js';
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';

/**
 * Formats epoch ms as `yyyy-MM-dd HH:mm:ss.SSS` (UTC), the text Flink's `json` format reads into a
 * `TIMESTAMP(3)`. Event times rise steadily, so the text up to the second is cached and only the
 * milliseconds are appended; a `Date` is built only when the second changes.
 */
export class TimestampFormatter {
  private second = Number.NaN;
  private prefix = '';

  format(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = formatTimestamp(second * 1000).slice(0, 20);
    }
    return this.prefix + MILLIS[ms - second * 1000]!;
  }
}

const MILLIS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** Characters JSON requires to be escaped (and lone surrogates); generated strings never contain them, user strings might. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found here
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

function str(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function personJson(p: Person, t: TimestampFormatter): string {
  return `{"id":${p.id},"name":${str(p.name)},"emailAddress":${str(p.emailAddress)},"creditCard":${str(p.creditCard)},"city":${str(p.city)},"state":${str(p.state)},"dateTime":"${t.format(p.dateTime)}","extra":${str(p.extra)}}`;
}

function auctionJson(a: Auction, t: TimestampFormatter): string {
  // `expires` is out of step with event time; formatting it separately keeps the cache on event time.
  return `{"id":${a.id},"itemName":${str(a.itemName)},"description":${str(a.description)},"initialBid":${a.initialBid},"reserve":${a.reserve},"dateTime":"${t.format(a.dateTime)}","expires":"${formatTimestamp(a.expires)}","seller":${a.seller},"category":${a.category},"extra":${str(a.extra)}}`;
}

function bidJson(b: Bid, t: TimestampFormatter): string {
  return `{"auction":${b.auction},"bidder":${b.bidder},"price":${b.price},"channel":${str(b.channel)},"url":${str(b.url)},"dateTime":"${t.format(b.dateTime)}","extra":${str(b.extra)}}`;
}

/**
 * One event as the JSON object Flink's `json` format reads for the table
 * `(event_type INT, person ROW<...>, auction ROW<...>, bid ROW<...>, dateTime TIMESTAMP(3))`:
 * Flink's column names, timestamps as `yyyy-MM-dd HH:mm:ss.SSS` (UTC), absent rows as `null`.
 * Pass one `TimestampFormatter` for a whole stream to format timestamps faster.
 *
 * @example
 * toFlinkJson(gen.eventAt(0))
 * // {"event_type":0,"person":{"id":1000,...,"dateTime":"2025-01-01 00:00:00.000",...},"auction":null,"bid":null,"dateTime":"2025-01-01 00:00:00.000"}
 */
export function toFlinkJson(event: NexmarkEvent, formatter: TimestampFormatter = new TimestampFormatter()): string {
  const person = event.person === null ? 'null' : personJson(event.person, formatter);
  const auction = event.auction === null ? 'null' : auctionJson(event.auction, formatter);
  const bid = event.bid === null ? 'null' : bidJson(event.bid, formatter);
  return `{"event_type":${event.event_type},"person":${person},"auction":${auction},"bid":${bid},"dateTime":"${formatter.format(event.dateTime)}"}`;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

/** Reads a `yyyy-MM-dd HH:mm:ss[.SSS]` UTC timestamp back into epoch ms; throws `UserError` on other text. */
export function parseFlinkTimestamp(text: string, field = 'timestamp'): number {
  const m = typeof text === 'string' ? TIMESTAMP_TEXT.exec(text) : null;
  if (m === null) {
    throw new UserError(`${field} ${JSON.stringify(text)} is not a timestamp of the form yyyy-MM-dd HH:mm:ss.SSS`, { origin: 'nexmark' });
  }
  const ms = (m[7] ?? '0').padEnd(3, '0');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(ms));
}

function obj(value: unknown, field: string): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`nexmark field ${field} must be an object or null`, { origin: 'nexmark' });
  }
  return value as Record<string, unknown>;
}

function num(row: Record<string, unknown>, field: string, path: string): number {
  const v = row[field];
  if (typeof v !== 'number') throw new UserError(`nexmark field ${path}.${field} must be a number, got ${JSON.stringify(v)}`, { origin: 'nexmark' });
  return v;
}

function text(row: Record<string, unknown>, field: string, path: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw new UserError(`nexmark field ${path}.${field} must be a string, got ${JSON.stringify(v)}`, { origin: 'nexmark' });
  return v;
}

function time(row: Record<string, unknown>, field: string, path: string): number {
  return parseFlinkTimestamp(text(row, field, path), `nexmark field ${path}.${field}`);
}

/**
 * The inverse of {@link toFlinkJson}: one NDJSON line (or its parsed object) back into a `NexmarkEvent`.
 * Throws `UserError` naming the field when the line does not have the shape.
 */
export function parseNexmarkJson(line: string | Record<string, unknown>): NexmarkEvent {
  const o = typeof line === 'string' ? (JSON.parse(line) as unknown) : line;
  const root = obj(o, 'event');
  if (root === null) throw new UserError('a nexmark line must be a JSON object', { origin: 'nexmark' });
  const type = root.event_type;
  const dateTime = time(root, 'dateTime', 'event');
  const p = obj(root.person, 'person');
  const a = obj(root.auction, 'auction');
  const b = obj(root.bid, 'bid');
  if (type === 0 && p !== null) {
    const person: Person = {
      id: num(p, 'id', 'person'), name: text(p, 'name', 'person'), emailAddress: text(p, 'emailAddress', 'person'),
      creditCard: text(p, 'creditCard', 'person'), city: text(p, 'city', 'person'), state: text(p, 'state', 'person'),
      dateTime: time(p, 'dateTime', 'person'), extra: text(p, 'extra', 'person'),
    };
    return { event_type: 0, person, auction: null, bid: null, dateTime };
  }
  if (type === 1 && a !== null) {
    const auction: Auction = {
      id: num(a, 'id', 'auction'), itemName: text(a, 'itemName', 'auction'), description: text(a, 'description', 'auction'),
      initialBid: num(a, 'initialBid', 'auction'), reserve: num(a, 'reserve', 'auction'), dateTime: time(a, 'dateTime', 'auction'),
      expires: time(a, 'expires', 'auction'), seller: num(a, 'seller', 'auction'), category: num(a, 'category', 'auction'),
      extra: text(a, 'extra', 'auction'),
    };
    return { event_type: 1, person: null, auction, bid: null, dateTime };
  }
  if (type === 2 && b !== null) {
    const bid: Bid = {
      auction: num(b, 'auction', 'bid'), bidder: num(b, 'bidder', 'bid'), price: num(b, 'price', 'bid'),
      channel: text(b, 'channel', 'bid'), url: text(b, 'url', 'bid'), dateTime: time(b, 'dateTime', 'bid'),
      extra: text(b, 'extra', 'bid'),
    };
    return { event_type: 2, person: null, auction: null, bid, dateTime };
  }
  throw new UserError(`nexmark event_type ${JSON.stringify(type)} does not match a non-null person (0), auction (1) or bid (2)`, {
    origin: 'nexmark',
  });
}
