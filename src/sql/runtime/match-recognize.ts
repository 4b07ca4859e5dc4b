import type { Batch } from '../../core/batch.js';
import type { Key } from '../../core/keys.js';
import { UserError } from '../../core/errors.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedOperatorBase } from '../../operators/keyed-base.js';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';

/**
 * One element of a MATCH_RECOGNIZE pattern: a variable with its quantifier. Flink runs patterns that
 * are a sequence of such elements (no alternation, no quantified groups), so the NFA is a chain.
 */
export interface PatternElement {
  /** Index into `MatchSpec.variables`. */
  variable: number;
  min: number;
  /** `Infinity` when unbounded. */
  max: number;
  /** Greedy loops leave only on a row their own condition rejects (Flink's CEP rule). */
  greedy: boolean;
}

/** A row assigned to a pattern variable within a (partial) match. */
export interface MatchedRow {
  /** Position of the row in its partition's rowtime order. */
  seq: number;
  ts: number;
  row: Row;
  variable: number;
}

/** What happens after a match: where the next match may start. */
export type SkipStrategy =
  | { kind: 'past-last' }
  | { kind: 'next-row' }
  | { kind: 'to-first'; variable: number }
  | { kind: 'to-last'; variable: number };

/**
 * A compiled MATCH_RECOGNIZE clause for one partition. `conditions[v]` decides whether the last
 * row of `rows` (the candidate) may be variable `v`, seeing the partial match before it; `null`
 * means the variable has no DEFINE and accepts every row.
 */
export interface MatchSpec {
  variables: readonly string[];
  elements: readonly PatternElement[];
  conditions: readonly (((rows: readonly MatchedRow[]) => boolean) | null)[];
  skip: SkipStrategy;
  /** WITHIN: a partial match dies once a row is this many ms after its first row. */
  withinMs?: number | undefined;
}

/** A partial match: it sits in element `elem` having taken `count` rows for it. */
interface Partial {
  elem: number;
  count: number;
  startSeq: number;
  rows: MatchedRow[];
}

/** The NFA state of one partition (plain data, so it can live in keyed state). */
export interface NfaState {
  nextSeq: number;
  partials: Partial[];
  /** Completed matches held back while a partial match that started earlier is still running. */
  completed: MatchedRow[][];
}

export function newNfaState(): NfaState {
  return { nextSeq: 0, partials: [], completed: [] };
}

const startOf = (rows: readonly MatchedRow[]): number => rows[0]!.seq;

/**
 * Feeds one row (in rowtime order) to the NFA of a partition and returns the matches it releases,
 * in the order Flink emits them.
 *
 * Semantics follow Flink's CEP library as MATCH_RECOGNIZE uses it: strict contiguity; a partial match
 * may start at every row; a greedy quantifier proceeds to the next element only on a row its own
 * condition rejects, a reluctant one tries both; a match that ends by leaving an optional or
 * reluctant element is only seen when the next row arrives (it does not contain that row); matches
 * are released in order of their first row, and a match waits while an earlier-started partial
 * match is still running; each released match prunes partial and waiting matches per the skip strategy.
 */
export function advance(spec: MatchSpec, st: NfaState, row: Row, ts: number): MatchedRow[][] {
  const seq = st.nextSeq++;
  if (spec.withinMs !== undefined) {
    const w = spec.withinMs;
    st.partials = st.partials.filter((p) => ts - p.rows[0]!.ts < w);
  }
  const els = spec.elements;
  const next: Partial[] = [];
  const found: MatchedRow[][] = [];
  const cond = (v: number, rows: MatchedRow[]): boolean => {
    const c = spec.conditions[v];
    return c ? c(rows) === true : true;
  };
  // Explores the element `k` entered with `count` rows taken, on the current row.
  const explore = (p: Partial, k: number, count: number): void => {
    if (k === els.length) {
      found.push(p.rows);
      return;
    }
    const e = els[k]!;
    const cand: MatchedRow = { seq, ts, row, variable: e.variable };
    const rows = [...p.rows, cand];
    const take = count < e.max && cond(e.variable, rows);
    if (take) {
      const c = count + 1;
      if (c === e.max) {
        if (k + 1 === els.length) found.push(rows);
        else next.push({ elem: k + 1, count: 0, startSeq: p.rows.length === 0 ? seq : p.startSeq, rows });
      } else {
        next.push({ elem: k, count: c, startSeq: p.rows.length === 0 ? seq : p.startSeq, rows });
      }
    }
    // Leaving the element: only once its minimum is met, and for a greedy one only if it rejects the row.
    if (count >= e.min && !(e.greedy && take)) explore(p, k + 1, 0);
  };
  for (const p of st.partials) explore(p, p.elem, p.count);
  explore({ elem: 0, count: 0, startSeq: seq, rows: [] }, 0, 0);
  // An empty match (the start state proceeding to the end) cannot happen: the planner rejects such patterns.
  st.partials = next.filter((p) => p.rows.length > 0);
  for (const m of found) if (m.length > 0) st.completed.push(m);
  return release(spec, st);
}

/**
 * Advances a partition's time without a row (the watermark passed `now`): partial matches older than
 * WITHIN die, which may release completed matches they were holding back.
 */
export function expire(spec: MatchSpec, st: NfaState, now: number): MatchedRow[][] {
  if (spec.withinMs === undefined) return [];
  const w = spec.withinMs;
  const before = st.partials.length;
  st.partials = st.partials.filter((p) => now - p.rows[0]!.ts < w);
  return st.partials.length === before ? [] : release(spec, st);
}

/** Releases the waiting matches no earlier-started partial match holds back. */
function release(spec: MatchSpec, st: NfaState): MatchedRow[][] {
  st.completed.sort((a, b) => startOf(a) - startOf(b));
  const out: MatchedRow[][] = [];
  for (;;) {
    const m = st.completed[0];
    if (!m) break;
    const earliestPartial = st.partials.reduce((min, p) => Math.min(min, p.startSeq), Number.POSITIVE_INFINITY);
    if (startOf(m) > earliestPartial) break;
    const twin = st.completed.find((c, i) => i > 0 && startOf(c) === startOf(m));
    if (twin) {
      // Flink picks among finished matches with the same first row by the order of its internal
      // priority queue (observed: not always the shortest); weir refuses rather than guess.
      throw new UserError('MATCH_RECOGNIZE: two matches with the same first row waited to be emitted together; choosing between them as Flink does is not supported by weir yet', {
        origin: 'sql', hint: 'this happens with a reluctant quantifier or an optional variable while an earlier match is still open; use greedy quantifiers or make the variables\' conditions exclusive',
      });
    }
    st.completed.shift();
    const prune = pruneTest(spec, m);
    st.partials = st.partials.filter((p) => !prune(p.startSeq));
    st.completed = st.completed.filter((c) => !prune(startOf(c)));
    out.push(m);
  }
  return out;
}

/** Which starts a released match removes, per AFTER MATCH SKIP. */
function pruneTest(spec: MatchSpec, m: readonly MatchedRow[]): (start: number) => boolean {
  const skip = spec.skip;
  switch (skip.kind) {
    case 'past-last': {
      const last = m[m.length - 1]!.seq;
      return (s) => s <= last;
    }
    case 'next-row': {
      const first = m[0]!.seq;
      return (s) => s <= first;
    }
    case 'to-first': case 'to-last': {
      const rows = m.filter((r) => r.variable === skip.variable);
      const name = spec.variables[skip.variable]!;
      if (rows.length === 0) {
        throw new UserError(`Could not skip to ${name}. No such element in the found match`, {
          origin: 'sql', hint: `AFTER MATCH SKIP TO ${skip.kind === 'to-first' ? 'FIRST' : 'LAST'} ${name} needs ${name} in every match; skip to a variable that cannot be absent`,
        });
      }
      const target = (skip.kind === 'to-first' ? rows[0]! : rows[rows.length - 1]!).seq;
      if (target === m[0]!.seq) {
        throw new UserError('Could not skip to first element of a match.', {
          origin: 'sql', hint: `AFTER MATCH SKIP TO ${skip.kind === 'to-first' ? 'FIRST' : 'LAST'} ${name} would restart at the same row forever; skip to a later variable`,
        });
      }
      return (s) => s < target;
    }
  }
}

interface MrState {
  /** Rows waiting for the watermark, by event time. */
  pending: Map<number, Row[]>;
  nfa: NfaState;
}

/**
 * MATCH_RECOGNIZE as a keyed operator (Flink's CepOperator): rows of a partition wait in keyed state
 * until the watermark passes their time, then run through the NFA in rowtime order. Rows at or behind
 * the watermark are late and dropped, as in Flink. A match emits `output(match)` (partition keys and
 * measures) stamped with the rowtime of its last row.
 */
export class MatchRecognizeOperator extends KeyedOperatorBase<Row, Row> {
  readonly name = 'match-recognize';
  private state!: ValueState<MrState>;
  dropped = 0;

  constructor(private readonly spec: MatchSpec, private readonly output: (match: readonly MatchedRow[]) => Row) {
    super();
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<MrState>('match-recognize'));
  }

  private current(): MrState {
    let st = this.state.value();
    if (!st) {
      st = { pending: new Map(), nfa: newNfaState() };
      this.state.update(st);
    }
    return st;
  }

  processBatch(batch: Batch<Row>, _out: Output<Row>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const ts = batch.timestamps[i]!;
      if (ts <= this.currentWatermark) { this.dropped++; continue; }
      const key = this.keyAt(batch, i);
      this.backend.setCurrentKey(key);
      const st = this.current();
      const list = st.pending.get(ts);
      if (list) list.push(batch.values[i]!);
      else {
        st.pending.set(ts, [batch.values[i]!]);
        this.registerEventTimer(ts, key);
      }
    }
  }

  protected onTimer(ts: number, key: Key, _ns: Namespace, _kind: 'event' | 'processing', out: Output<Row>): void {
    const st = this.current();
    const rows = st.pending.get(ts);
    const emit = (ms: MatchedRow[][]): void => {
      for (const m of ms) out.emit(this.output(m), m[m.length - 1]!.ts);
    };
    if (rows) {
      st.pending.delete(ts);
      for (const r of rows) emit(advance(this.spec, st.nfa, r, ts));
    }
    emit(expire(this.spec, st.nfa, ts));
    // With WITHIN, wake up when the oldest partial match times out: it may hold back finished matches.
    const w = this.spec.withinMs;
    if (w !== undefined && st.nfa.completed.length > 0 && st.nfa.partials.length > 0) {
      const oldest = Math.min(...st.nfa.partials.map((p) => p.rows[0]!.ts));
      this.registerEventTimer(oldest + w, key);
    }
    this.state.update(st);
  }
}
