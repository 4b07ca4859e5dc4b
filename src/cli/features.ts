import { readFile, writeFile } from 'node:fs/promises';
import { UserError, errorMessage } from '../core/errors.js';
import { parseCsv } from '../features/csv.js';
import { exportTrainingData } from '../features/export.js';
import type { LabelRow } from '../features/export.js';
import { RedisFeatureHistory } from '../features/feature-history.js';

/** Streams the features command writes to. */
export interface FeaturesIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage: weir features export --labels FILE.csv --out FILE.csv [options]

Builds point-in-time training data: each label row gets the features of its entity as they were
at the label's time (the newest write at or before it), read from the feature history in Redis.

  --labels FILE     CSV with a header and the columns key, label, time
                    (time as epoch ms or ISO-8601, e.g. 2026-01-01T10:00:00Z)
  --out FILE        where to write the CSV: key,time,label,feature_time,<features...>
  --namespace NS    feature group written by redisFeatureSink (default: features)
  --redis URL       default: $WEIR_REDIS_URL or redis://127.0.0.1:6379
  --features A,B    feature columns in this order (default: all found, sorted)
  --format csv      the only format so far
`;

/**
 * `weir features export ...`. Returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
export async function featuresCommand(argv: string[], io: FeaturesIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'export') {
    io.stderr.write(`unknown features command "${command}"\n\n${USAGE}`);
    return 2;
  }
  let flags: Map<string, string>;
  try {
    flags = parseFlags(rest, ['labels', 'out', 'namespace', 'redis', 'features', 'format']);
    for (const required of ['labels', 'out']) {
      if (!flags.has(required)) throw new UserError(`--${required} is required`);
    }
    const format = flags.get('format') ?? 'csv';
    if (format !== 'csv') throw new UserError(`--format ${format} is not supported; use csv`);
  } catch (err) {
    io.stderr.write(`weir features: ${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  const url = flags.get('redis') ?? process.env.WEIR_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let history: RedisFeatureHistory | undefined;
  try {
    const labelsPath = flags.get('labels')!;
    let text: string;
    try {
      text = await readFile(labelsPath, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read --labels ${labelsPath}: ${errorMessage(err)}`);
    }
    const labels = readLabels(text, labelsPath);
    history = new RedisFeatureHistory({ url, namespace: flags.get('namespace') ?? 'features' });
    const names = flags.get('features')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const result = await exportTrainingData({ labels, features: history, format: 'csv', ...(names ? { featureNames: names } : {}) });
    await writeFile(flags.get('out')!, result.text);
    io.stdout.write(`wrote ${result.rows} rows (${result.matched} with features, ${result.featureNames.length} feature columns) to ${flags.get('out')}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`weir features export: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await history?.close();
  }
}

/** Reads the labels CSV: a header naming key, label and time, in any order, other columns ignored. */
export function readLabels(text: string, source: string): LabelRow[] {
  const rows = parseCsv(text, source);
  const header = rows.shift();
  if (!header) throw new UserError(`${source} is empty`, { hint: 'write a header line: key,label,time' });
  const col = (name: string): number => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new UserError(`${source}: no "${name}" column in the header (${header.join(',')})`, { hint: 'the header must name key, label and time' });
    return i;
  };
  const [k, l, t] = [col('key'), col('label'), col('time')];
  return rows.map((r, i) => {
    const line = i + 2;
    const key = r[k]?.trim() ?? '';
    if (key === '') throw new UserError(`${source} line ${line}: empty key`);
    const rawTime = r[t]?.trim() ?? '';
    const time = /^-?\d+$/.test(rawTime) ? Number(rawTime) : Date.parse(rawTime);
    if (!Number.isFinite(time)) throw new UserError(`${source} line ${line}: time "${rawTime}" is neither epoch ms nor an ISO-8601 date`);
    const rawLabel = r[l]?.trim() ?? '';
    const label = rawLabel !== '' && Number.isFinite(Number(rawLabel)) ? Number(rawLabel) : rawLabel;
    return { key, label, time };
  });
}

function parseFlags(args: string[], known: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new UserError(`unexpected argument "${a}"`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else value = args[++i];
    if (!known.includes(name)) throw new UserError(`unknown option --${name}`);
    if (value === undefined || value.startsWith('--')) throw new UserError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}
