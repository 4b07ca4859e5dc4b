import { UserError } from '../../core/errors.js';
import type { Source } from '../../runtime/source.js';
import type { NexmarkConfig, NexmarkEvent } from '../../nexmark/index.js';
import { booleanOption, checks, type OptionSpec } from '../options.js';
import type { ColumnSchema, ConnectorContext, Row, TableConnector } from '../schema.js';
import { nexmarkSource, type NexmarkSourceConfig } from './source.js';

const ORIGIN = 'connector:nexmark';

/** Fields of each nested row, in the names Flink's Nexmark DDL uses. */
const ROW_FIELDS: Record<'person' | 'auction' | 'bid', readonly string[]> = {
  person: ['id', 'name', 'emailAddress', 'creditCard', 'city', 'state', 'dateTime', 'extra'],
  auction: ['id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra'],
  bid: ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra'],
};
const TOP_COLUMNS = ['event_type', 'person', 'auction', 'bid', 'dateTime'];

/** `200b`, `1kb`, `2 KB`, `512` (bytes) as Flink's `MemorySize` reads them. */
function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|bytes?|k|kb|kibibytes?|m|mb|mebibytes?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(m[1]) * factor;
}

const bytesCheck = (v: string): string | undefined => (parseBytes(v) === undefined ? "expected a size such as '100b' or '1kb'" : undefined);

/** The options of Flink's Nexmark connector that weir's generator has, plus `seed`. */
const OPTIONS: OptionSpec[] = [
  { key: 'events.num', default: '0', description: 'events to generate; 0 = unbounded', check: checks.nonNegativeInt },
  { key: 'first-event.rate', default: '10000', description: 'events per second of event time', check: checks.number },
  { key: 'rate.limited', default: 'false', description: "also emit at 'first-event.rate' per second of wall-clock time", check: checks.boolean },
  { key: 'seed', default: '42', description: 'seed of every random choice (weir only: the same seed gives the same events)', check: checks.nonNegativeInt },
  { key: 'person.avg-size', default: '200b', description: 'average size of a person', check: bytesCheck },
  { key: 'auction.avg-size', default: '500b', description: 'average size of an auction', check: bytesCheck },
  { key: 'bid.avg-size', default: '100b', description: 'average size of a bid', check: bytesCheck },
  { key: 'person.proportion', default: '1', description: 'persons per cycle of events', check: checks.nonNegativeInt },
  { key: 'auction.proportion', default: '3', description: 'auctions per cycle of events', check: checks.nonNegativeInt },
  { key: 'bid.proportion', default: '46', description: 'bids per cycle of events', check: checks.nonNegativeInt },
  { key: 'bid.hot-ratio.auctions', default: '2', description: 'a bid is on the hot auction with probability 1 - 1/ratio', check: checks.nonNegativeInt },
  { key: 'bid.hot-ratio.bidders', default: '4', description: 'a bid is by the hot bidder with probability 1 - 1/ratio', check: checks.nonNegativeInt },
  { key: 'auction.hot-ratio.sellers', default: '4', description: 'an auction is by the hot seller with probability 1 - 1/ratio', check: checks.nonNegativeInt },
];

/** The source settings that a table's (already validated) options describe. */
export function nexmarkConfigFromOptions(options: ReadonlyMap<string, string>): NexmarkSourceConfig {
  const num = (k: string): number => Number(options.get(k));
  const bytes = (k: string): number => parseBytes(options.get(k)!)!;
  const config: Partial<NexmarkConfig> = {
    numEvents: num('events.num'),
    firstEventRate: num('first-event.rate'),
    seed: num('seed'),
    avgPersonByteSize: bytes('person.avg-size'),
    avgAuctionByteSize: bytes('auction.avg-size'),
    avgBidByteSize: bytes('bid.avg-size'),
    personProportion: num('person.proportion'),
    auctionProportion: num('auction.proportion'),
    bidProportion: num('bid.proportion'),
    hotAuctionRatio: num('bid.hot-ratio.auctions'),
    hotBiddersRatio: num('bid.hot-ratio.bidders'),
    hotSellersRatio: num('auction.hot-ratio.sellers'),
  };
  return booleanOption(options, 'rate.limited', false) ? { ...config, ratePerSecond: config.firstEventRate! } : config;
}

type Getter = (e: NexmarkEvent) => unknown;

function findName(wanted: string, names: readonly string[]): string | undefined {
  return names.includes(wanted) ? wanted : names.find((n) => n.toLowerCase() === wanted.toLowerCase());
}

function columnGetter(table: string, column: ColumnSchema): Getter {
  const name = findName(column.name, TOP_COLUMNS);
  if (name === undefined) {
    throw new UserError(`table "${table}": the nexmark connector has no column "${column.name}"`, {
      origin: ORIGIN, hint: `columns: ${TOP_COLUMNS.join(', ')} (declare dateTime as a physical TIMESTAMP(3) column or compute it)`,
    });
  }
  if (name === 'event_type') return (e) => e.event_type;
  if (name === 'dateTime') return (e) => e.dateTime;
  const kind = name as 'person' | 'auction' | 'bid';
  const fields = column.type.fields;
  if (column.type.kind !== 'ROW' || !fields) {
    throw new UserError(`table "${table}": nexmark column "${column.name}" must be a ROW<...>`, { origin: ORIGIN, hint: `fields: ${ROW_FIELDS[kind].join(', ')}` });
  }
  const keys = fields.map((f) => {
    const k = findName(f.name, ROW_FIELDS[kind]);
    if (k === undefined) {
      throw new UserError(`table "${table}": nexmark column ${column.name} has no field "${f.name}"`, { origin: ORIGIN, hint: `fields: ${ROW_FIELDS[kind].join(', ')}` });
    }
    return k;
  });
  return (e) => {
    const o = e[kind] as unknown as Record<string, unknown> | null;
    if (o === null) return null;
    const out = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = o[keys[i]!];
    return out;
  };
}

/** The Nexmark stream as SQL rows `(event_type, person, auction, bid, dateTime)` in the table's column order. */
export function nexmarkTableSource(ctx: ConnectorContext): Source<Row> {
  const getters = ctx.columns.map((c) => columnGetter(ctx.table, c));
  const inner = nexmarkSource({ ...nexmarkConfigFromOptions(ctx.options), name: `nexmark:${ctx.table}` });
  return {
    name: inner.name,
    bounded: inner.bounded,
    createReader(readerCtx) {
      const reader = inner.createReader(readerCtx);
      return {
        ...reader,
        async poll(max) {
          const got = await reader.poll(max);
          if (got === null) return null;
          const events = got.batch.values;
          const rows = new Array<Row>(events.length);
          for (let i = 0; i < events.length; i++) {
            const e = events[i]!;
            const row = new Array<unknown>(getters.length);
            for (let c = 0; c < getters.length; c++) row[c] = getters[c]!(e);
            rows[i] = row;
          }
          return { batch: { values: rows, timestamps: got.batch.timestamps } };
        },
      };
    },
  };
}

/**
 * `'connector' = 'nexmark'`: Flink's Nexmark source connector, with its option names (`events.num`,
 * `first-event.rate`, `rate.limited`, sizes, proportions, hot ratios) and weir's `seed`.
 * Flink's `next-event.rate`, `rate.shape` and `rate.period` (rate changes over time) are not supported.
 */
export const nexmarkConnector: TableConnector = {
  name: 'nexmark',
  schema: { options: OPTIONS },
  isBounded: (o) => Number(o.get('events.num') ?? '0') > 0,
  createSource: nexmarkTableSource,
};
