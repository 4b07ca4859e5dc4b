import type { Batch } from '../../core/batch.js';
import { ExternalError, WeirError, errorMessage, isRetriable } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import type { LookupConfig, LookupContext, LookupSource, Row } from '../../connectors/registry.js';
import type { OperatorContext, Output, StreamOperator } from '../../operators/operator.js';
import { valueKey } from '../types/compare.js';
import { LookupCache } from './lookup-cache.js';
import type { LookupCacheStats } from './lookup-cache.js';
import type { RowFn } from './calc.js';

/** What a lookup-join operator needs, from the planner. */
export interface LookupJoinSpec {
  /** The lookup table as its connector sees it, and the columns looked up by. */
  connector: Omit<LookupContext, 'log'>;
  createLookup: (ctx: LookupContext) => LookupSource;
  leftOuter: boolean;
  /** Per lookup key column: its value from a probe row (NULL never matches). */
  keys: RowFn[];
  /** Width of the dim row the join adds (physical and computed columns). */
  dimWidth: number;
  /** Computed columns of the dim table, evaluated on the physical row read. */
  computed: RowFn[];
  /** Remaining ON conditions over `probe ++ dim`. */
  condition?: RowFn;
  config: LookupConfig;
  /** Lookup calls in flight at once when `config.async`. */
  bufferCapacity: number;
}

/** Counters of one lookup-join subtask. */
export interface LookupJoinStats {
  /** `lookup` calls made (each a round trip for a connector that batches). */
  calls: number;
  /** Keys sent to the connector. */
  keysLookedUp: number;
  /** Failed calls that were tried again. */
  retries: number;
  cache: LookupCacheStats | undefined;
}

/**
 * The lookup join: per input batch, the keys of all rows are looked up at once. Rows with the same key
 * share one lookup; keys found in the cache are not looked up; the rest go to the connector in calls of
 * at most `maxKeysPerCall` keys, one after another or, with `'lookup.async' = 'true'`, up to
 * `bufferCapacity` calls at once. Output follows input order, each row with its probe's timestamp,
 * whatever the order the calls complete in.
 *
 * A failed call is retried `lookup.max-retries` times with backoff when the error is retriable; then the
 * job fails with an `ExternalError`: a lookup join never emits a row without its lookup.
 */
export class LookupJoinOperator implements StreamOperator<Row, Row> {
  readonly name: string;
  private source: LookupSource | undefined;
  private ctx: OperatorContext | undefined;
  private readonly cache: LookupCache<Row[]> | undefined;
  private readonly counters = { calls: 0, keysLookedUp: 0, retries: 0 };
  private readonly nulls: Row;
  /** Aborted by `close()`, so calls waiting to retry give up instead of outliving the job. */
  private closing = new AbortController();

  constructor(private readonly spec: LookupJoinSpec) {
    this.name = `lookup-join(${spec.connector.table})`;
    if (spec.config.cache) this.cache = new LookupCache(spec.config.cache);
    this.nulls = new Array<unknown>(spec.dimWidth).fill(null);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.closing = new AbortController();
    this.source = this.spec.createLookup({ ...this.spec.connector, log: (level, message) => ctx.log(level, message) });
  }

  stats(): LookupJoinStats {
    return { ...this.counters, cache: this.cache?.stats() };
  }

  async processBatch(batch: Batch<Row>, out: Output<Row>): Promise<void> {
    const n = batch.values.length;
    if (n === 0) return;
    const keyFns = this.spec.keys;
    const now = this.ctx?.processingTime.now() ?? Date.now();
    // Per row, the cache key of its lookup key (undefined for a NULL key part: it matches nothing).
    const rowKeys = new Array<string | undefined>(n);
    const found = new Map<string, Row[]>();
    const ask = new Map<string, Row>();
    for (let i = 0; i < n; i++) {
      const row = batch.values[i]!;
      const key = new Array<unknown>(keyFns.length);
      let id = '';
      let isNull = false;
      for (let k = 0; k < keyFns.length; k++) {
        const v = keyFns[k]!(row);
        if (v === null || v === undefined) { isNull = true; break; }
        key[k] = v;
        id += valueKey(v) + '\u0001';
      }
      if (isNull) continue;
      rowKeys[i] = id;
      if (found.has(id) || ask.has(id)) continue;
      const hit = this.cache?.get(id, now);
      if (hit !== undefined) found.set(id, hit);
      else ask.set(id, key);
    }
    if (ask.size > 0) await this.fetch(ask, found, now);
    this.emit(batch, rowKeys, found, out);
  }

  private async fetch(ask: Map<string, Row>, found: Map<string, Row[]>, now: number): Promise<void> {
    const source = this.source;
    if (!source) throw new WeirError(`${this.name} received rows before open()`, { domain: 'internal', origin: this.name });
    const ids = [...ask.keys()];
    const per = Math.max(1, source.maxKeysPerCall ?? ids.length);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += per) chunks.push(ids.slice(i, i + per));
    const concurrency = this.spec.config.async ? Math.min(this.spec.bufferCapacity, chunks.length) : 1;
    let next = 0;
    // Once one call has failed the batch (and so the job) fails: the other workers take no further
    // chunks, and their calls waiting to retry stop, rather than keep the store busy for nothing.
    const failed = new AbortController();
    const signal = AbortSignal.any([failed.signal, this.closing.signal]);
    const worker = async (): Promise<void> => {
      try {
        while (!signal.aborted && next < chunks.length) {
          const chunk = chunks[next++]!;
          const rows = await this.call(source, chunk.map((id) => ask.get(id)!), signal);
          for (let j = 0; j < chunk.length; j++) found.set(chunk[j]!, this.complete(rows[j] ?? []));
        }
      } catch (err) {
        failed.abort();
        throw err;
      }
      this.throwIfStopped(signal);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const cache = this.cache;
    if (!cache) return;
    const cacheMissing = this.spec.config.cache!.cacheMissingKey;
    for (const id of ids) {
      const rows = found.get(id)!;
      if (rows.length > 0 || cacheMissing) cache.set(id, rows, now);
    }
  }

  /** Throws when the batch was given up (another call failed, or the operator closed). */
  private throwIfStopped(signal: AbortSignal): void {
    if (!signal.aborted) return;
    const reason = this.closing.signal.aborted ? 'the operator was closed' : 'another lookup call of the batch failed';
    throw new WeirError(`${this.name} stopped looking up: ${reason}`, { origin: this.name });
  }

  /** One `lookup` call with the join's retry policy; no attempt starts once `signal` is aborted. */
  private async call(source: LookupSource, keys: Row[], signal: AbortSignal): Promise<Row[][]> {
    const { maxRetries } = this.spec.config;
    const table = this.spec.connector.table;
    let attempts = 0;
    try {
      return await retry(async () => {
        // `retry` wakes from its backoff when aborted and would try once more.
        this.throwIfStopped(signal);
        attempts++;
        this.counters.calls++;
        this.counters.keysLookedUp += keys.length;
        const rows = await source.lookup(keys);
        if (rows.length !== keys.length) {
          throw new WeirError(`lookup source of table "${table}" returned ${rows.length} results for ${keys.length} keys`, { origin: this.name });
        }
        return rows;
      }, {
        attempts: maxRetries + 1, initialDelayMs: 100, maxDelayMs: 2000, signal,
        onRetry: (err, attempt) => {
          this.counters.retries++;
          this.ctx?.log('warn', `lookup of ${keys.length} keys in table "${table}" failed (attempt ${attempt} of ${maxRetries + 1}), retrying: ${errorMessage(err)}`);
        },
      });
    } catch (err) {
      if (!isRetriable(err)) throw err;
      throw new ExternalError(`lookup join on table "${table}" failed after ${attempts} attempt${attempts === 1 ? '' : 's'} ('lookup.max-retries' = ${maxRetries}): ${err instanceof Error ? err.message : String(err)}`, {
        origin: this.name, cause: err,
        hint: `${err instanceof WeirError && err.hint ? `${err.hint}; ` : ''}the job stops rather than emit rows without their lookup; raise 'lookup.max-retries' on table "${table}" to wait out longer outages`,
      });
    }
  }

  /** Appends the computed columns of the dim table to rows read from the connector. */
  private complete(rows: Row[]): Row[] {
    const computed = this.spec.computed;
    if (computed.length === 0) return rows;
    return rows.map((r) => {
      const full = r.slice();
      for (const c of computed) full.push(c(r));
      return full;
    });
  }

  private emit(batch: Batch<Row>, rowKeys: (string | undefined)[], found: Map<string, Row[]>, out: Output<Row>): void {
    const { condition, leftOuter } = this.spec;
    const values: Row[] = [];
    const timestamps: number[] = [];
    for (let i = 0; i < batch.values.length; i++) {
      const probe = batch.values[i]!;
      const id = rowKeys[i];
      const dims = id === undefined ? [] : found.get(id)!;
      let matched = false;
      for (const dim of dims) {
        const joined = probe.concat(dim);
        if (condition && condition(joined) !== true) continue;
        values.push(joined);
        timestamps.push(batch.timestamps[i]!);
        matched = true;
      }
      if (!matched && leftOuter) {
        values.push(probe.concat(this.nulls));
        timestamps.push(batch.timestamps[i]!);
      }
    }
    if (values.length > 0) out.emitBatch({ values, timestamps });
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.source?.close?.();
    this.source = undefined;
  }
}
