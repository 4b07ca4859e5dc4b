import * as readline from 'node:readline';
import { UserError, WeirError, errorMessage } from '../core/errors.js';
import { Log } from '../log/index.js';
import type { LogRecord, RecordInput } from '../log/index.js';

/** Streams the topic command reads and writes; stdout/stderr may be TTYs. */
export interface TopicIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const USAGE = `usage: weir topic <command> [options]

commands:
  create NAME --partitions N [--retention-ms MS] [--retention-bytes B] [--segment-bytes B]
  list
  describe NAME
  produce NAME [--partition P]       NDJSON on stdin: {"key","value","headers","timestamp"} or any object as the value
  consume NAME [--from-beginning | --offset N | --from-time ISO] [--group G] [--max N]
               [--partition P] [--isolation read_committed|read_uncommitted]
               prints NDJSON; without a start option it starts at the group's committed offsets,
               or at the beginning without --group; stops when it has caught up

options:
  --dir DIR   log directory (default ./.weir/log)
`;

const JSON_HEADER = 'content-type';
const JSON_TYPE = 'application/json';
const BATCH = 500;

type Flags = Map<string, string | true>;

/**
 * `weir topic ...`: create, list, describe, produce (NDJSON from stdin) and consume (NDJSON to stdout).
 * Returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function topicCommand(argv: string[], io: TopicIO): Promise<number> {
  let parsed: { positional: string[]; flags: Flags };
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    io.stderr.write(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  const { positional, flags } = parsed;
  const [command, name] = positional;
  if (command === undefined || flags.has('help') || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined && !flags.has('help') ? 2 : 0;
  }
  const known = ['create', 'list', 'describe', 'produce', 'consume'];
  if (!known.includes(command)) {
    io.stderr.write(`unknown topic command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (command !== 'list' && name === undefined) {
    io.stderr.write(`weir topic ${command} needs a topic name\n\n${USAGE}`);
    return 2;
  }
  const dir = typeof flags.get('dir') === 'string' ? (flags.get('dir') as string) : './.weir/log';
  let log: Log | undefined;
  try {
    log = await Log.open(dir, { logger: (m) => io.stderr.write(`${m}\n`) });
    switch (command) {
      case 'create':
        return await create(log, name!, flags, io);
      case 'list':
        for (const t of log.listTopics()) io.stdout.write(`${t}\n`);
        return 0;
      case 'describe':
        return describe(log, name!, io);
      case 'produce':
        return await produce(log, name!, flags, io);
      default:
        return await consume(log, name!, flags, io);
    }
  } catch (err) {
    io.stderr.write(`error: ${errorMessage(err)}\n`);
    return err instanceof WeirError && err.domain === 'user' && err.origin === 'cli' ? 2 : 1;
  } finally {
    await log?.close().catch(() => undefined);
  }
}

function parseArgs(argv: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = new Map();
  const booleans = new Set(['from-beginning', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(key, a.slice(eq + 1));
      else if (booleans.has(key)) flags.set(key, true);
      else {
        const v = argv[++i];
        if (v === undefined) throw new UserError(`option --${key} needs a value`, { origin: 'cli' });
        flags.set(key, v);
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

function intFlag(flags: Flags, key: string, min = 0): number | undefined {
  const v = flags.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) {
    throw new UserError(`--${key} must be an integer >= ${min}, got ${v === true ? 'nothing' : JSON.stringify(v)}`, { origin: 'cli' });
  }
  return n;
}

async function create(log: Log, name: string, flags: Flags, io: TopicIO): Promise<number> {
  const partitions = intFlag(flags, 'partitions', 1);
  if (partitions === undefined) throw new UserError('weir topic create needs --partitions N', { origin: 'cli' });
  const config: { partitions: number; retentionMs?: number; retentionBytes?: number; segmentBytes?: number } = { partitions };
  const retentionMs = intFlag(flags, 'retention-ms', 1);
  const retentionBytes = intFlag(flags, 'retention-bytes', 1);
  const segmentBytes = intFlag(flags, 'segment-bytes', 1);
  if (retentionMs !== undefined) config.retentionMs = retentionMs;
  if (retentionBytes !== undefined) config.retentionBytes = retentionBytes;
  if (segmentBytes !== undefined) config.segmentBytes = segmentBytes;
  await log.createTopic(name, config);
  io.stdout.write(`created topic ${name} with ${partitions} partition${partitions === 1 ? '' : 's'}\n`);
  return 0;
}

function describe(log: Log, name: string, io: TopicIO): number {
  const d = log.describeTopic(name);
  const extra = Object.entries(d.config).filter(([k]) => k !== 'partitions').map(([k, v]) => ` ${k}=${v}`).join('');
  io.stdout.write(`topic ${d.name}  partitions=${d.partitions.length}${extra}\n`);
  for (const p of d.partitions) {
    io.stdout.write(`  partition ${p.partition}  start=${p.logStartOffset} end=${p.logEndOffset} hw=${p.highWatermark} ` +
      `lso=${p.lastStableOffset} segments=${p.segments} bytes=${p.sizeBytes}\n`);
  }
  return 0;
}

/** Turns one NDJSON line into a record, or returns the reason it cannot be one. */
export function parseProduceLine(line: string): { record: RecordInput; partition?: number } | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `invalid JSON (${(err as Error).message})`;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return `expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`;
  }
  const obj = v as Record<string, unknown>;
  const envelopeKeys = new Set(['key', 'value', 'headers', 'timestamp', 'partition']);
  const isEnvelope = 'value' in obj && Object.keys(obj).every((k) => envelopeKeys.has(k));
  if (!isEnvelope) return { record: { key: null, value: JSON.stringify(obj), headers: { [JSON_HEADER]: JSON_TYPE } } };
  const record: RecordInput = { key: null, value: '' };
  if (obj.key !== undefined && obj.key !== null && typeof obj.key !== 'string') return `"key" must be a string or null, got ${typeof obj.key}`;
  record.key = (obj.key as string | null | undefined) ?? null;
  const headers: Record<string, string> = {};
  if (obj.headers !== undefined) {
    if (obj.headers === null || typeof obj.headers !== 'object' || Array.isArray(obj.headers)) return '"headers" must be an object of strings';
    for (const [k, hv] of Object.entries(obj.headers)) {
      if (typeof hv !== 'string') return `header "${k}" must be a string, got ${typeof hv}`;
      headers[k] = hv;
    }
  }
  if (typeof obj.value === 'string') record.value = obj.value;
  else {
    record.value = JSON.stringify(obj.value);
    headers[JSON_HEADER] = JSON_TYPE;
  }
  if (Object.keys(headers).length > 0) record.headers = headers;
  if (obj.timestamp !== undefined) {
    const ts = typeof obj.timestamp === 'number' ? obj.timestamp : typeof obj.timestamp === 'string' ? Date.parse(obj.timestamp) : NaN;
    if (!Number.isFinite(ts) || ts < 0) return `"timestamp" must be ms since the epoch or an ISO date, got ${JSON.stringify(obj.timestamp)}`;
    record.timestamp = ts;
  }
  if (obj.partition !== undefined) {
    if (typeof obj.partition !== 'number' || !Number.isInteger(obj.partition) || obj.partition < 0) return `"partition" must be a non-negative integer, got ${JSON.stringify(obj.partition)}`;
    return { record, partition: obj.partition };
  }
  return { record };
}

async function produce(log: Log, topic: string, flags: Flags, io: TopicIO): Promise<number> {
  const fixed = intFlag(flags, 'partition');
  const partitions = log.partitionCount(topic);
  if (fixed !== undefined && fixed >= partitions) throw new UserError(`--partition ${fixed}: topic "${topic}" has ${partitions} partitions`, { origin: 'cli' });
  const tty = io.stderr.isTTY === true;
  let lineNo = 0;
  let produced = 0;
  let malformed = 0;
  let pending = new Map<number, RecordInput[]>();
  let pendingCount = 0;
  const flush = async () => {
    const batches = pending;
    pending = new Map();
    pendingCount = 0;
    await Promise.all([...batches].map(([p, recs]) => log.appendBatch(topic, p, recs)));
    for (const recs of batches.values()) produced += recs.length;
    if (tty) io.stderr.write(`\rproduced ${produced} records, ${malformed} malformed lines skipped`);
  };
  const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    const parsed = parseProduceLine(line);
    let reason = typeof parsed === 'string' ? parsed : undefined;
    if (typeof parsed !== 'string' && parsed.partition !== undefined && parsed.partition >= partitions) {
      reason = `"partition" ${parsed.partition} does not exist, topic "${topic}" has ${partitions}`;
    }
    if (reason !== undefined || typeof parsed === 'string') {
      malformed++;
      io.stderr.write(`${tty ? '\r\x1b[K' : ''}line ${lineNo}: ${reason}, skipped\n`);
      continue;
    }
    const p = fixed ?? parsed.partition ?? log.partitionFor(topic, parsed.record.key);
    let batch = pending.get(p);
    if (!batch) pending.set(p, (batch = []));
    batch.push(parsed.record);
    if (++pendingCount >= BATCH) await flush();
  }
  if (pendingCount > 0) await flush();
  if (tty) io.stderr.write('\r\x1b[K');
  io.stderr.write(`produced ${produced} records to ${topic}, ${malformed} malformed line${malformed === 1 ? '' : 's'} skipped\n`);
  return 0;
}

/** One consumed record as an NDJSON line; JSON values produced by `produce` come back as JSON. */
export function formatRecord(r: LogRecord): string {
  const headers = { ...r.headers };
  let value: unknown = r.value;
  let encoding: string | undefined;
  if (Buffer.isBuffer(r.value)) {
    value = r.value.toString('base64');
    encoding = 'base64';
  } else if (headers[JSON_HEADER] === JSON_TYPE) {
    try {
      value = JSON.parse(r.value);
      delete headers[JSON_HEADER];
    } catch {
      // Not JSON after all: print the string as it is.
    }
  }
  const out: Record<string, unknown> = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value, headers };
  if (encoding) out.valueEncoding = encoding;
  return JSON.stringify(out);
}

async function consume(log: Log, topic: string, flags: Flags, io: TopicIO): Promise<number> {
  const group = flags.get('group');
  if (group === true) throw new UserError('--group needs a name', { origin: 'cli' });
  const max = intFlag(flags, 'max', 1) ?? Infinity;
  const only = intFlag(flags, 'partition');
  const isolation = flags.get('isolation') ?? 'read_uncommitted';
  if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') {
    throw new UserError(`--isolation must be read_committed or read_uncommitted, got ${JSON.stringify(isolation)}`, { origin: 'cli' });
  }
  const starts = ['from-beginning', 'offset', 'from-time'].filter((k) => flags.has(k));
  if (starts.length > 1) throw new UserError(`use only one of --${starts.join(', --')}`, { origin: 'cli' });
  const n = log.partitionCount(topic);
  if (only !== undefined && only >= n) throw new UserError(`--partition ${only}: topic "${topic}" has ${n} partitions`, { origin: 'cli' });
  const partitions = only !== undefined ? [{ topic, partition: only }] : Array.from({ length: n }, (_, p) => ({ topic, partition: p }));
  const consumer = log.consumer({ ...(typeof group === 'string' ? { group } : {}), partitions, isolation });
  const offset = intFlag(flags, 'offset');
  if (offset !== undefined) {
    for (const tp of partitions) {
      const start = log.logStartOffset(topic, tp.partition);
      const end = log.logEndOffset(topic, tp.partition);
      if (offset < start || offset > end) throw new UserError(`--offset ${offset} is outside ${topic}/${tp.partition} (${start}..${end})`, { origin: 'cli' });
      consumer.seek(topic, tp.partition, offset);
    }
  } else if (flags.has('from-time')) {
    const ts = Date.parse(String(flags.get('from-time')));
    if (!Number.isFinite(ts)) throw new UserError(`--from-time must be an ISO date like 2024-01-31T12:00:00Z, got ${JSON.stringify(flags.get('from-time'))}`, { origin: 'cli' });
    await consumer.seekToTimestamp(ts);
  } else if (flags.has('from-beginning')) consumer.seekToBeginning();
  const tty = io.stderr.isTTY === true;
  let count = 0;
  while (count < max) {
    const batch = await consumer.poll({ maxRecords: Math.min(BATCH, max - count) });
    if (batch.length === 0) break;
    io.stdout.write(batch.map(formatRecord).join('\n') + '\n');
    count += batch.length;
    if (tty) io.stderr.write(`\rconsumed ${count} records`);
  }
  if (typeof group === 'string') await consumer.commit();
  if (tty) io.stderr.write('\r\x1b[K');
  io.stderr.write(`consumed ${count} records from ${topic}${typeof group === 'string' ? ` (committed for group ${group})` : ''}\n`);
  return 0;
}
