import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExternalError, UserError } from '../../core/errors.js';
import { NO_TIMESTAMP } from '../../core/time.js';
import type { Sink } from '../../runtime/sink.js';
import type { Source } from '../../runtime/source.js';
import { checks } from '../options.js';
import type { ChangeRow, ConnectorContext, Row, SinkContext, TableConnector } from '../schema.js';
import { csvDecoder, csvEncoder, jsonDecoder, jsonEncoder } from './formats.js';
import { partFileSink } from '../files/part-file-sink.js';
import type { LineDecoder } from './formats.js';

/** Files of a path: the file itself, or every visible file below a directory, sorted so splits are stable. */
export function listFiles(path: string, table: string): string[] {
  if (!existsSync(path)) {
    throw new UserError(`table "${table}": path '${path}' does not exist`, { origin: 'connector:filesystem', hint: 'check the \'path\' option' });
  }
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      // Flink skips hidden and in-progress files ('.' and '_' prefixes).
      if (name.startsWith('.') || name.startsWith('_')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(path);
  return out;
}

function decoderFor(ctx: ConnectorContext): LineDecoder {
  const format = ctx.options.get('format');
  return format === 'csv' ? csvDecoder(ctx.columns, ctx.options) : jsonDecoder(ctx.columns, ctx.options);
}

/** A bounded source over the files of `path`; each file is a split, subtask i reads files i, i+P, … */
export function filesystemSource(ctx: ConnectorContext): Source<Row> {
  const path = ctx.options.get('path')!;
  return {
    name: `filesystem:${ctx.table}`,
    bounded: true,
    createReader({ subtaskIndex, parallelism }) {
      const files = listFiles(path, ctx.table).filter((_f, i) => i % parallelism === subtaskIndex);
      const decode = decoderFor(ctx);
      let fileIdx = 0;
      let lines: string[] | null = null;
      let lineIdx = 0;
      /** Where to start in the next file read: 0, or the line a checkpoint stopped at. */
      let startLine = 0;
      return {
        splits: () => files,
        async poll(max) {
          while (fileIdx < files.length) {
            const file = files[fileIdx]!;
            if (lines === null) {
              try {
                lines = (await readFile(file, 'utf8')).split(/\r?\n/);
              } catch (e) {
                throw new ExternalError(`cannot read ${file}: ${(e as Error).message}`, { origin: 'connector:filesystem', cause: e });
              }
              lineIdx = startLine;
              startLine = 0;
            }
            const values: Row[] = [];
            while (lineIdx < lines.length && values.length < max) {
              const line = lines[lineIdx++]!;
              if (line.trim() === '') continue;
              const row = decode(line, file, lineIdx);
              if (row) values.push(row);
            }
            if (lineIdx >= lines.length) { fileIdx++; lines = null; }
            if (values.length > 0) return { batch: { values, timestamps: new Array<number>(values.length).fill(NO_TIMESTAMP) }, split: file };
          }
          return null;
        },
        snapshotPosition: () => ({ fileIdx, lineIdx }),
        restorePosition: (p) => {
          const pos = p as { fileIdx: number; lineIdx: number };
          fileIdx = pos.fileIdx;
          startLine = pos.lineIdx;
          lines = null;
        },
      };
    },
  };
}

/**
 * Writes part files into the directory `path`. A part file is hidden (`.part-…inprogress`) while it is
 * written and renamed to `part-<job>-<subtask>-0` once its input has ended, so readers never see half a file.
 */
export function filesystemSink(ctx: SinkContext): Sink<Row | ChangeRow> {
  if (ctx.changelog) {
    throw new UserError(`table "${ctx.table}": the filesystem sink only accepts inserts, but the query produces updates (-U/+U/-D)`, {
      origin: 'connector:filesystem', hint: 'write an append-only query (e.g. a window aggregation) or use the print connector',
    });
  }
  const dir = ctx.options.get('path')!;
  const format = ctx.options.get('format');
  const encode = format === 'csv' ? csvEncoder(ctx.columns, ctx.options) : jsonEncoder(ctx.columns);
  // Part files are written hidden and published by two-phase commit: exactly once with checkpoints,
  // at the end of input without.
  const sink = partFileSink<Row | ChangeRow>({ dir, encode: (r) => encode(r as Row), suffix: format === 'csv' ? '.csv' : '.json' });
  return { ...sink, name: `filesystem:${ctx.table}` };
}

const FORMAT_OPTIONS = {
  json: [
    { key: 'json.ignore-parse-errors', default: 'false', description: 'skip malformed lines instead of failing', check: checks.boolean },
    { key: 'json.fail-on-missing-field', default: 'false', description: 'fail when a field is missing', check: checks.boolean },
    { key: 'json.timestamp-format.standard', default: 'SQL', description: 'timestamp text form', check: checks.oneOf('SQL') },
  ],
  csv: [
    { key: 'csv.field-delimiter', default: ',', description: 'field separator', check: (v: string) => (v.length === 1 ? undefined : 'expected one character') },
    { key: 'csv.quote-character', default: '"', description: 'quote character', check: (v: string) => (v.length === 1 ? undefined : 'expected one character') },
    { key: 'csv.ignore-parse-errors', default: 'false', description: 'skip malformed lines', check: checks.boolean },
    { key: 'csv.allow-comments', default: 'false', description: 'skip lines starting with #', check: checks.boolean },
    { key: 'csv.null-literal', description: 'text read and written as NULL' },
  ],
};

/** Flink's `filesystem` connector (bounded file source, part-file sink) with the json and csv formats. */
export const filesystemConnector: TableConnector = {
  name: 'filesystem',
  schema: {
    options: [
      { key: 'path', required: true, description: 'a file or directory to read, or the directory to write part files into' },
      { key: 'format', required: true, description: 'json or csv' },
      { key: 'source.monitor-interval', description: 'not supported: weir reads the files once' , check: () => 'continuous monitoring is not supported yet; drop the option' },
      { key: 'sink.rolling-policy.file-size', description: 'accepted for compatibility; weir writes one part file per subtask' },
      { key: 'sink.rolling-policy.rollover-interval', description: 'accepted for compatibility' },
    ],
    formats: FORMAT_OPTIONS,
  },
  isBounded: () => true,
  createSource: filesystemSource,
  createSink: filesystemSink,
};
