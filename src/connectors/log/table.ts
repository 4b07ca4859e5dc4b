import { UserError } from '../../core/errors.js';
import type { Source, SourceReader } from '../../runtime/source.js';
import { checks } from '../options.js';
import type { OptionSpec } from '../options.js';
import type { ChangeRow, ConnectorContext, Row, SinkContext, TableConnector } from '../schema.js';
import { jsonDecoder, jsonEncoder } from '../filesystem/formats.js';
import { logSource } from './log-source.js';
import type { LogStartFrom } from './log-source.js';
import { logSink } from './log-sink.js';

/**
 * The embedded log as a SQL table, with the option names of Flink's Kafka connector where they apply:
 *
 *   CREATE TABLE orders (...) WITH ('connector' = 'log', 'topic' = 'orders', 'format' = 'json',
 *     'scan.startup.mode' = 'earliest-offset');
 *
 * Rows are JSON values of the topic's records (the json format's options apply). The sink writes
 * exactly once with checkpoints (log transactions), at least once without them if asked.
 */
function startFrom(ctx: ConnectorContext): LogStartFrom {
  const mode = ctx.options.get('scan.startup.mode')!;
  if (mode === 'latest-offset') return 'latest';
  if (mode === 'timestamp') {
    const ts = ctx.options.get('scan.startup.timestamp-millis');
    if (ts === undefined) {
      throw new UserError(`table "${ctx.table}": 'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'`, { origin: 'connector:log' });
    }
    return { timestamp: Number(ts) };
  }
  return 'earliest';
}

function logTableSource(ctx: ConnectorContext): Source<Row> {
  const topic = ctx.options.get('topic')!;
  const decodeLine = jsonDecoder(ctx.columns, ctx.options);
  const inner = logSource<Row | null>({
    dir: ctx.options.get('path')!,
    topic,
    startFrom: startFrom(ctx),
    bounded: ctx.options.get('scan.bounded.mode') === 'latest-offset',
    isolation: ctx.options.get('scan.isolation') === 'read-uncommitted' ? 'read_uncommitted' : 'read_committed',
    ...(ctx.options.get('properties.group.id') !== undefined ? { group: ctx.options.get('properties.group.id')! } : {}),
    decode: (r) => decodeLine(typeof r.value === 'string' ? r.value : r.value.toString('utf8'), `${topic}/${r.partition}`, r.offset),
  });
  return {
    name: `log:${ctx.table}`,
    bounded: inner.bounded,
    createReader(rctx): SourceReader<Row> {
      const reader = inner.createReader(rctx);
      return {
        ...reader,
        async poll(max) {
          const got = await reader.poll(max);
          if (got === null) return null;
          const { values, timestamps } = got.batch;
          // Records the json format skipped ('json.ignore-parse-errors') come back as null.
          if (!values.includes(null)) return got as { batch: { values: Row[]; timestamps: number[] } };
          const kept: Row[] = [];
          const ts: number[] = [];
          for (let i = 0; i < values.length; i++) if (values[i] !== null) { kept.push(values[i]!); ts.push(timestamps[i]!); }
          return { ...got, batch: { values: kept, timestamps: ts } };
        },
      };
    },
  };
}

function logTableSink(ctx: SinkContext) {
  if (ctx.changelog) {
    throw new UserError(`table "${ctx.table}": the log sink only accepts inserts, but the query produces updates (-U/+U/-D)`, {
      origin: 'connector:log', hint: 'write an append-only query (e.g. a window aggregation)',
    });
  }
  const encode = jsonEncoder(ctx.columns);
  const keyFields = (ctx.options.get('key.fields') ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  const keyIdx = keyFields.map((f) => {
    const i = ctx.columns.findIndex((c) => c.name === f);
    if (i < 0) throw new UserError(`table "${ctx.table}": 'key.fields' names '${f}', which is not a column`, { origin: 'connector:log', hint: `columns: ${ctx.columns.map((c) => c.name).join(', ')}` });
    return i;
  });
  const guarantee = ctx.options.get('sink.delivery-guarantee') === 'at-least-once' ? 'at-least-once' : 'exactly-once';
  const sink = logSink<Row | ChangeRow>({
    dir: ctx.options.get('path')!,
    topic: ctx.options.get('topic')!,
    encode: (r) => encode(r as Row),
    ...(keyIdx.length > 0 ? { key: (r: Row | ChangeRow) => keyIdx.map((i) => String((r as Row)[i])).join('|') } : {}),
    deliveryGuarantee: guarantee,
    ...(ctx.options.get('sink.transactional-id-prefix') !== undefined ? { transactionalIdPrefix: ctx.options.get('sink.transactional-id-prefix')! } : {}),
  });
  return { ...sink, name: `log:${ctx.table}` };
}

const OPTIONS: OptionSpec[] = [
  { key: 'topic', required: true, description: 'the topic (create it with `weir topic create`)' },
  { key: 'path', default: '.weir/log', description: 'the log directory' },
  { key: 'format', required: true, description: 'json', check: checks.oneOf('json') },
  { key: 'scan.startup.mode', default: 'group-offsets', description: "earliest-offset, latest-offset, timestamp or group-offsets (earliest when the group has none)", check: checks.oneOf('earliest-offset', 'latest-offset', 'timestamp', 'group-offsets') },
  { key: 'scan.startup.timestamp-millis', description: "start time for 'timestamp' mode", check: checks.number },
  { key: 'scan.bounded.mode', default: 'unbounded', description: "unbounded, or latest-offset: read to the end seen at start, then finish", check: checks.oneOf('unbounded', 'latest-offset') },
  { key: 'scan.isolation', default: 'read-committed', description: 'read-committed or read-uncommitted', check: checks.oneOf('read-committed', 'read-uncommitted') },
  { key: 'properties.group.id', description: 'consumer group whose committed offsets a new job starts from' },
  { key: 'key.fields', description: "columns (';'-separated) whose values make the record key" },
  { key: 'sink.delivery-guarantee', default: 'exactly-once', description: 'exactly-once (with checkpoints) or at-least-once', check: checks.oneOf('exactly-once', 'at-least-once') },
  { key: 'sink.transactional-id-prefix', description: 'prefix of the sink\'s transactions; give two sinks of one topic different ones' },
];

export const logConnector: TableConnector = {
  name: 'log',
  schema: {
    options: OPTIONS,
    formats: {
      json: [
        { key: 'json.ignore-parse-errors', default: 'false', description: 'skip malformed records instead of failing', check: checks.boolean },
        { key: 'json.fail-on-missing-field', default: 'false', description: 'fail when a field is missing', check: checks.boolean },
      ],
    },
  },
  isBounded: (options) => options.get('scan.bounded.mode') === 'latest-offset',
  createSource: logTableSource,
  createSink: logTableSink,
};
