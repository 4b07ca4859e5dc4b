import { UserError } from '../../core/errors.js';
import { NO_TIMESTAMP } from '../../core/time.js';
import type { Source } from '../../runtime/source.js';
import { checks } from '../options.js';
import type { ColumnSchema, ConnectorContext, Row, TableConnector } from '../schema.js';

type FieldGen = (n: number, rand: () => number) => unknown;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

// mulberry32: small, fast and seeded so generated tables are reproducible across runs.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fieldGen(c: ColumnSchema, ctx: ConnectorContext): { gen: FieldGen; count: number } {
  const opt = (k: string): string | undefined => ctx.options.get(`fields.${c.name}.${k}`);
  const kind = opt('kind') ?? 'random';
  const t = c.type.kind;
  const isInt = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT'].includes(t);
  const isNum = isInt || ['FLOAT', 'DOUBLE', 'DECIMAL'].includes(t);
  const isStr = ['VARCHAR', 'CHAR'].includes(t);
  if (kind === 'sequence') {
    const start = Number(opt('start'));
    const end = Number(opt('end'));
    if (opt('start') === undefined || opt('end') === undefined) {
      throw new UserError(`table "${ctx.table}": field '${c.name}' of kind 'sequence' needs 'fields.${c.name}.start' and 'fields.${c.name}.end'`, { origin: 'connector:datagen' });
    }
    if (!isNum && !isStr) throw new UserError(`table "${ctx.table}": a sequence of ${t} is not supported (field '${c.name}')`, { origin: 'connector:datagen' });
    return { gen: (n) => (isStr ? String(start + n) : start + n), count: end - start + 1 };
  }
  const nullRate = Number(opt('null-rate') ?? 0);
  const wrap = (g: FieldGen): FieldGen => (nullRate > 0 ? (n, r) => (r() < nullRate ? null : g(n, r)) : g);
  if (isNum) {
    const min = Number(opt('min') ?? (isInt ? (t === 'TINYINT' ? -128 : t === 'SMALLINT' ? -32768 : -2147483648) : 0));
    const max = Number(opt('max') ?? (isInt ? (t === 'TINYINT' ? 127 : t === 'SMALLINT' ? 32767 : 2147483647) : 1));
    return { gen: wrap(isInt ? (_n, r) => min + Math.floor(r() * (max - min + 1)) : (_n, r) => min + r() * (max - min)), count: Infinity };
  }
  if (isStr) {
    const len = Number(opt('length') ?? 100);
    return { gen: wrap((_n, r) => { let s = ''; for (let i = 0; i < len; i++) s += ALNUM[Math.floor(r() * ALNUM.length)]; return s; }), count: Infinity };
  }
  if (t === 'BOOLEAN') return { gen: wrap((_n, r) => r() < 0.5), count: Infinity };
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP_LTZ') {
    const maxPast = Number(opt('max-past') ?? 0);
    return { gen: wrap((_n, r) => Date.now() - Math.floor(r() * maxPast)), count: Infinity };
  }
  throw new UserError(`table "${ctx.table}": datagen cannot generate ${t} (field '${c.name}')`, { origin: 'connector:datagen' });
}

/** Flink's `datagen`: random or sequence fields, at `rows-per-second`, bounded by `number-of-rows` or the sequences. */
export function datagenSource(ctx: ConnectorContext): Source<Row> {
  const gens = ctx.columns.map((c) => fieldGen(c, ctx));
  const opt = ctx.options.get('number-of-rows');
  const count = Math.min(opt === undefined ? Infinity : Number(opt), ...gens.map((g) => g.count));
  const rate = Number(ctx.options.get('rows-per-second') ?? 10000);
  return {
    name: `datagen:${ctx.table}`,
    bounded: Number.isFinite(count),
    createReader({ subtaskIndex, parallelism, signal }) {
      let n = subtaskIndex;
      const started = Date.now();
      let produced = 0;
      const perTask = rate / parallelism;
      return {
        async poll(max) {
          if (n >= count || signal.aborted) return null;
          const due = Math.floor(((Date.now() - started) / 1000) * perTask) - produced;
          if (due <= 0) {
            await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(1000 / perTask))));
            return { batch: { values: [], timestamps: [] } };
          }
          const values: Row[] = [];
          while (n < count && values.length < Math.min(max, due)) {
            const row = new Array<unknown>(gens.length);
            // Random values derive from the row number alone, so a job restored from a checkpoint
            // generates exactly the rows it would have generated without the failure.
            const rand = rng((0x5eed ^ Math.imul(n, 0x9e3779b1)) >>> 0);
            for (let i = 0; i < gens.length; i++) row[i] = gens[i]!.gen(n, rand);
            values.push(row);
            n += parallelism;
          }
          produced += values.length;
          return { batch: { values, timestamps: new Array<number>(values.length).fill(NO_TIMESTAMP) } };
        },
        snapshotPosition: () => n,
        restorePosition: (p) => { n = p as number; },
      };
    },
  };
}

export const datagenConnector: TableConnector = {
  name: 'datagen',
  schema: {
    options: [
      { key: 'rows-per-second', default: '10000', description: 'rows generated per second (all subtasks together)', check: checks.number },
      { key: 'number-of-rows', description: 'total rows; unbounded when absent', check: checks.nonNegativeInt },
      { key: 'fields.#.kind', description: "'random' or 'sequence'", check: checks.oneOf('random', 'sequence') },
      { key: 'fields.#.min', description: 'minimum of a random number', check: checks.number },
      { key: 'fields.#.max', description: 'maximum of a random number', check: checks.number },
      { key: 'fields.#.length', description: 'length of a random string', check: checks.nonNegativeInt },
      { key: 'fields.#.start', description: 'first value of a sequence', check: checks.number },
      { key: 'fields.#.end', description: 'last value of a sequence', check: checks.number },
      { key: 'fields.#.max-past', description: 'random timestamps up to this many ms in the past', check: checks.nonNegativeInt },
      { key: 'fields.#.null-rate', description: 'share of NULLs', check: checks.number },
    ],
  },
  isBounded: (o) => o.has('number-of-rows'),
  createSource: datagenSource,
};
