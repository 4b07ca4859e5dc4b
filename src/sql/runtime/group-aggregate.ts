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
import type { AggregateSet, GroupAcc, RowMaker } from './aggregates.js';

/** What state held per group before 2026-11-22 (snapshots taken then still restore). */
interface LegacyGroupState {
  acc: GroupAcc;
  last: Row | null;
}

/** Whether two result rows of one group agree; the leading `from` values are its keys, equal by definition. */
function resultsEqual(a: Row, b: Row, from: number): boolean {
  for (let i = from; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Two different numbers (the common case: a count or sum moved) need no closer look.
    if (typeof x === 'number' && typeof y === 'number') return false;
    if (x === null || y === null || !valuesEqual(x, y)) return false;
  }
  return true;
}

/**
 * Unbounded GROUP BY (Flink's GroupAggFunction): keeps accumulators per key and emits a changelog —
 * `+I` for a new group, `-U`/`+U` when its result changes, `-D` when its last row is retracted. An
 * unchanged result emits nothing. Accepts append-only rows or change rows. As in Flink, state holds
 * only the accumulators: the row to retract is computed from them before the new row is added, so
 * no row lives on in state (long-lived rows cost the garbage collector more than short-lived ones).
 */
export class GroupAggregateOperator extends KeyedOperatorBase<Row | ChangeRow, ChangeRow> {
  readonly name: string;
  private state!: ValueState<GroupAcc | LegacyGroupState>;
  /** `[keys…, results…]` of a group. */
  private readonly makeRow: RowMaker;
  private readonly keyCount: number;

  /**
   * With `keyIsValue` the single grouping key is the operator's key itself, and the accumulators need not
   * keep it (build `aggs` without stored keys): one array less per group for the garbage collector.
   */
  constructor(private readonly aggs: AggregateSet, private readonly changelogInput: boolean, name = 'group-aggregate', private readonly keyIsValue = false) {
    super();
    this.name = name;
    this.keyCount = aggs.keyCount;
    this.makeRow = aggs.rowMaker([
      ...Array.from({ length: this.keyCount }, (_x, key) => ({ key })),
      ...aggs.calls.map((_c, result) => ({ result })),
    ], keyIsValue);
  }

  protected override openKeyed(): void {
    this.state = this.backend.getValueState(valueState<GroupAcc | LegacyGroupState>('group'));
  }

  processBatch(batch: Batch<Row | ChangeRow>, out: Output<ChangeRow>): void {
    const values = batch.values;
    const aggs = this.aggs;
    // At most two changes per row, gathered into arrays of that size and handed on as one batch per
    // call, cut to length, rather than record by record through the output buffer.
    const changes = new Array<ChangeRow>(2 * values.length);
    let k = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const key = this.keyAt(batch, i);
      this.backend.setCurrentKey(key);
      const stored = this.state.value();
      let acc: GroupAcc;
      if (stored === undefined || stored === null) acc = aggs.create();
      else if ((stored as LegacyGroupState).acc !== undefined) acc = aggs.upgrade((stored as LegacyGroupState).acc);
      else acc = aggs.upgrade(stored as GroupAcc);
      const row = this.changelogInput ? (v as ChangeRow).row : (v as Row);
      const retract = this.changelogInput && ((v as ChangeRow).op === '-U' || (v as ChangeRow).op === '-D');
      if (retract && acc.count === 0) continue;
      const prev = acc.count > 0 ? this.makeRow(acc, this.keyIsValue ? key : acc.keys) : null;
      if (retract) aggs.retract(acc, row);
      else aggs.add(acc, row);
      if (acc.count <= 0) {
        if (prev) changes[k++] = { op: '-D', row: prev };
        this.state.clear();
        continue;
      }
      const next = this.makeRow(acc, this.keyIsValue ? key : acc.keys);
      if (prev === null) changes[k++] = { op: '+I', row: next };
      else if (!resultsEqual(prev, next, this.keyCount)) {
        changes[k++] = { op: '-U', row: prev };
        changes[k++] = { op: '+U', row: next };
      }
      // The heap backend holds the object itself, changed in place above: only a new (or converted)
      // accumulator needs storing, which saves a map update per row.
      if (acc !== stored) this.state.update(acc);
    }
    if (k === 0) return;
    changes.length = k;
    const timestamps = new Array<number>(k);
    for (let i = 0; i < k; i++) timestamps[i] = NO_TIMESTAMP;
    out.emitBatch({ values: changes, timestamps });
  }

  protected onTimer(_time: number, _key: Key, _ns: Namespace, _kind: 'event' | 'processing', _out: Output<ChangeRow>): void {}
}
