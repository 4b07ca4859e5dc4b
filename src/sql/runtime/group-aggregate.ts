import type { Batch } from '../../core/batch.js';
import type { Key } from '../../core/keys.js';
import { NO_TIMESTAMP } from '../../core/time.js';
import type { Namespace } from '../../state/heap-backend.js';
import type { ValueState } from '../../state/descriptors.js';
import { valueState } from '../../state/descriptors.js';
import { KeyedOperatorBase } from '../../operators/keyed-base.js';
import type { Output } from '../../operators/operator.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { valuesEqual } from '../types/compare.js';
import type { AggregateSet, GroupAcc } from './aggregates.js';

interface GroupState {
  acc: GroupAcc;
  /** The row last emitted for this group, to retract it on the next change. */
  last: Row | null;
}

function rowsEqual(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null || y === null || !valuesEqual(x, y)) return false;
  }
  return true;
}

/**
 * Unbounded GROUP BY (Flink's GroupAggFunction): keeps accumulators per key and emits a changelog —
 * `+I` for a new group, `-U`/`+U` when its result changes, `-D` when its last row is retracted. An
 * unchanged result emits nothing. Accepts append-only rows or change rows.
 */
export class GroupAggregateOperator extends KeyedOperatorBase<Row | ChangeRow, ChangeRow> {
  readonly name: string;
  private state!: ValueState<GroupState>;

  constructor(private readonly aggs: AggregateSet, private readonly changelogInput: boolean, name = 'group-aggregate') {
    super();
    this.name = name;
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<GroupState>('group'));
  }

  processBatch(batch: Batch<Row | ChangeRow>, out: Output<ChangeRow>): void {
    const values = batch.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const key = this.keyAt(batch, i);
      this.backend.setCurrentKey(key);
      let st = this.state.value();
      if (st === undefined || st === null) st = { acc: this.aggs.create(), last: null };
      const row = this.changelogInput ? (v as ChangeRow).row : (v as Row);
      const retract = this.changelogInput && ((v as ChangeRow).op === '-U' || (v as ChangeRow).op === '-D');
      if (retract) {
        if (st.acc.count === 0) continue;
        this.aggs.retract(st.acc, row);
      } else this.aggs.add(st.acc, row);
      const prev = st.last;
      if (st.acc.count <= 0) {
        if (prev) out.emit({ op: '-D', row: prev }, NO_TIMESTAMP);
        this.state.clear();
        continue;
      }
      const next = this.aggs.resultRow(st.acc, st.acc.keys!);
      if (prev === null) out.emit({ op: '+I', row: next }, NO_TIMESTAMP);
      else if (!rowsEqual(prev, next)) {
        out.emit({ op: '-U', row: prev }, NO_TIMESTAMP);
        out.emit({ op: '+U', row: next }, NO_TIMESTAMP);
      }
      st.last = next;
      this.state.update(st);
    }
  }

  protected onTimer(_time: number, _key: Key, _ns: Namespace, _kind: 'event' | 'processing', _out: Output<ChangeRow>): void {}
}
