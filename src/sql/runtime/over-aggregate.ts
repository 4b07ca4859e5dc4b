import type { Batch } from '../../core/batch.js';
import type { Key } from '../../core/keys.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedOperatorBase } from '../../operators/keyed-base.js';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import type { AggregateSet, GroupAcc } from './aggregates.js';

/** The frame of an OVER window ordered by event time. */
export type OverFrame =
  | { kind: 'rows-unbounded' }
  | { kind: 'range-unbounded' }
  | { kind: 'rows'; preceding: number }
  | { kind: 'range'; precedingMs: number };

interface OverState {
  /** Rows waiting for the watermark, by event time. */
  pending: Map<number, Row[]>;
  /** Running accumulator (unbounded frames). */
  acc: GroupAcc | null;
  /** Rows still inside the frame (bounded frames), in event-time order. */
  retained: [number, Row][];
  /** Event time of the rows last emitted: a bounded frame drops rows at or before it (late). */
  lastTs: number;
}

/**
 * OVER aggregation ordered by the rowtime (Flink's RowTime*PrecedingFunction family): rows wait in
 * keyed state until the watermark passes their time, then are emitted in time order with the
 * aggregates of their frame appended. Rows that arrive behind the watermark (unbounded frames) or
 * behind the last emitted time (bounded frames) are late and dropped, as in Flink.
 */
export class OverAggregateOperator extends KeyedOperatorBase<Row, Row> {
  readonly name = 'over-aggregate';
  private state!: ValueState<OverState>;
  dropped = 0;

  constructor(private readonly aggs: AggregateSet, private readonly frame: OverFrame) {
    super();
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<OverState>('over'));
  }

  private current(): OverState {
    let st = this.state.value();
    if (!st) {
      st = { pending: new Map(), acc: null, retained: [], lastTs: Number.NEGATIVE_INFINITY };
      this.state.update(st);
    }
    return st;
  }

  processBatch(batch: Batch<Row>, _out: Output<Row>): void {
    const unbounded = this.frame.kind === 'rows-unbounded' || this.frame.kind === 'range-unbounded';
    for (let i = 0; i < batch.values.length; i++) {
      const ts = batch.timestamps[i]!;
      const key = this.keyAt(batch, i);
      this.backend.setCurrentKey(key);
      const st = this.current();
      if (unbounded ? ts <= this.currentWatermark : ts <= st.lastTs) { this.dropped++; continue; }
      const list = st.pending.get(ts);
      if (list) list.push(batch.values[i]!);
      else {
        st.pending.set(ts, [batch.values[i]!]);
        this.registerEventTimer(ts, key);
      }
    }
  }

  protected onTimer(ts: number, _key: Key, _ns: Namespace, _kind: 'event' | 'processing', out: Output<Row>): void {
    const st = this.current();
    const rows = st.pending.get(ts);
    if (!rows) return;
    st.pending.delete(ts);
    st.lastTs = ts;
    const f = this.frame;
    const aggs = this.aggs;
    switch (f.kind) {
      case 'rows-unbounded': {
        const acc = (st.acc = st.acc ? aggs.upgrade(st.acc) : aggs.create());
        for (const r of rows) {
          aggs.add(acc, r);
          out.emit([...r, ...aggs.results(acc)], ts);
        }
        break;
      }
      case 'range-unbounded': {
        const acc = (st.acc = st.acc ? aggs.upgrade(st.acc) : aggs.create());
        for (const r of rows) aggs.add(acc, r);
        const res = aggs.results(acc);
        for (const r of rows) out.emit([...r, ...res], ts);
        break;
      }
      case 'range': {
        for (const r of rows) st.retained.push([ts, r]);
        const from = ts - f.precedingMs;
        while (st.retained.length > 0 && st.retained[0]![0] < from) st.retained.shift();
        const acc = aggs.create();
        for (const [, r] of st.retained) aggs.add(acc, r);
        const res = aggs.results(acc);
        for (const r of rows) out.emit([...r, ...res], ts);
        break;
      }
      case 'rows': {
        for (const r of rows) {
          st.retained.push([ts, r]);
          while (st.retained.length > f.preceding + 1) st.retained.shift();
          const acc = aggs.create();
          for (const [, x] of st.retained) aggs.add(acc, x);
          out.emit([...r, ...aggs.results(acc)], ts);
        }
        break;
      }
    }
    this.state.update(st);
  }
}
