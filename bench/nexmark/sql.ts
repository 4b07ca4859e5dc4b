/**
 * The Nexmark queries as weir SQL: the very text the Flink side runs (`flink/nexmark.sql`), with the
 * input table pointed at weir's generator (`'connector' = 'nexmark'`) or at the same NDJSON file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { planScript, type SqlJob } from '../../src/sql/planner/index.js';

/** Where the shared SQL lives (the source tree, also when running from `dist/`). */
export const NEXMARK_SQL_PATH = fileURLToPath(new URL('../../../bench/nexmark/flink/nexmark.sql', import.meta.url));

const FILE_OPTIONS = /'connector' = 'filesystem',\s*'path' = '\$\{INPUT\}',\s*'format' = 'json'/;

/** Options of {@link nexmarkSqlJob}. */
export interface NexmarkSqlInput {
  events: number;
  seed: number;
  firstEventRate: number;
  /** Read this NDJSON file through weir's filesystem connector instead of generating. */
  input?: string | undefined;
  /** q13's side input (CSV `key,value`). */
  sideInput: string;
}

/** The planned job of one query of `flink/nexmark.sql`. Throws the planner's error when weir's SQL cannot run it. */
export function nexmarkSqlJob(query: string, input: NexmarkSqlInput): SqlJob {
  let text = readFileSync(NEXMARK_SQL_PATH, 'utf8');
  if (!input.input) {
    if (!FILE_OPTIONS.test(text)) throw new Error(`${NEXMARK_SQL_PATH}: the nexmark table's WITH options are not the expected filesystem ones`);
    text = text.replace(FILE_OPTIONS, `'connector' = 'nexmark', 'events.num' = '${input.events}', 'seed' = '${input.seed}', 'first-event.rate' = '${input.firstEventRate}'`);
  }
  text = text.replaceAll('${INPUT}', input.input ?? '').replaceAll('${SIDE_INPUT}', input.sideInput);
  // Plan only the DDL and the one query, so a query weir cannot plan does not stop the others.
  const statements = text.split(/;\s*\n/);
  const kept = statements.filter((s) => !/-- name: /.test(s) || new RegExp(`-- name: ${query}\\s`).test(s));
  const script = planScript(kept.join(';\n'));
  const job = script.steps.flatMap((s) => (s.kind === 'job' ? [s.job] : [])).find((j) => j.name === query);
  if (!job) throw new Error(`no query named ${query} in ${NEXMARK_SQL_PATH}`);
  return job;
}
