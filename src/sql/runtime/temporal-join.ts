import type { Batch } from '../../core/batch.js';
import type { Key, KeyLike } from '../../core/keys.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedTwoInputBase } from '../../operators/co-process.js';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import type { RowFn } from './calc.js';

interface TemporalState {
  /** Left rows waiting for the watermark to pass their time. */
  pending: [number, Row][];
  /** Versions of the right row, ascending by time. */
  versions: [number, Row][];
  timer: number | null;
}

export interface TemporalJoinOptions {
  leftOuter: boolean;
  rightWidth: number;
  leftKey: (r: Row) => KeyLike;
  rightKey: (r: Row) => KeyLike;
  condition?: RowFn | undefined;
}

/**
 * Event-time temporal join (`JOIN versioned FOR SYSTEM_TIME AS OF l.rowtime`, Flink's
 * TemporalRowTimeJoinOperator): a left row waits until the watermark passes its time, then joins the
 * version of the right row (same key) that was valid then — the latest one at or before that time.
 * Versions older than the one valid at the watermark are dropped.
 */
export class TemporalJoinOperator extends KeyedTwoInputBase<Row, Row, Row> {
  readonly name = 'temporal-join';
  private state!: ValueState<TemporalState>;
  private readonly nulls: Row;

  constructor(private readonly o: TemporalJoinOptions) {
    super(o.leftKey, o.rightKey);
    this.nulls = new Array<unknown>(o.rightWidth).fill(null);
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<TemporalState>('temporal'));
  }

  private current(): TemporalState {
    let s = this.state.value();
    if (!s) { s = { pending: [], versions: [], timer: null }; this.state.update(s); }
    return s;
  }

  private schedule(s: TemporalState, key: Key, t: number): void {
    if (s.timer === null || t < s.timer) {
      s.timer = t;
      this.eventTimers.register(t, key, '');
    }
  }

  processBatch1(batch: Batch<Row>, _out: Output<Row>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const key = this.keyOf(batch, i, this.o.leftKey);
      this.backend.setCurrentKey(key);
      const s = this.current();
      const t = batch.timestamps[i]!;
      s.pending.push([t, batch.values[i]!]);
      this.schedule(s, key, t);
    }
  }

  processBatch2(batch: Batch<Row>, _out: Output<Row>): void {
    for (let i = 0; i < batch.values.length; i++) {
      const key = this.keyOf(batch, i, this.o.rightKey);
      this.backend.setCurrentKey(key);
      const s = this.current();
      const t = batch.timestamps[i]!;
      let at = s.versions.length;
      while (at > 0 && s.versions[at - 1]![0] > t) at--;
      // A newer row with the same time replaces that version.
      if (at > 0 && s.versions[at - 1]![0] === t) s.versions[at - 1] = [t, batch.values[i]!];
      else s.versions.splice(at, 0, [t, batch.values[i]!]);
      if (s.pending.length > 0) this.schedule(s, key, s.pending.reduce((m, p) => Math.min(m, p[0]), Number.POSITIVE_INFINITY));
    }
  }

  protected onTimer(_time: number, key: Key, _ns: Namespace, kind: 'event' | 'processing', out: Output<Row>): void {
    if (kind !== 'event') return;
    const s = this.current();
    s.timer = null;
    const wm = this.currentWatermark;
    const ready = s.pending.filter((p) => p[0] <= wm).sort((a, b) => a[0] - b[0]);
    s.pending = s.pending.filter((p) => p[0] > wm);
    for (const [t, left] of ready) {
      let v: Row | undefined;
      for (let j = s.versions.length - 1; j >= 0; j--) if (s.versions[j]![0] <= t) { v = s.versions[j]![1]; break; }
      const row = v ? [...left, ...v] : undefined;
      if (row && (!this.o.condition || this.o.condition(row) === true)) out.emit(row, t);
      else if (this.o.leftOuter) out.emit([...left, ...this.nulls], t);
    }
    // Keep the version valid at the watermark and newer ones: later left rows can still need them.
    let keepFrom = 0;
    for (let j = 0; j < s.versions.length; j++) if (s.versions[j]![0] <= wm) keepFrom = j;
    if (keepFrom > 0) s.versions.splice(0, keepFrom);
    if (s.pending.length > 0) this.schedule(s, key, s.pending.reduce((m, p) => Math.min(m, p[0]), Number.POSITIVE_INFINITY));
  }
}
