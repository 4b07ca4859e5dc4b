// User functions for examples/udf/udf.sql (see docs/udf.md). weir transpiles this file when
// CREATE FUNCTION names it; each export is one SQL function.

/** Scalar, object form: declared argument and result types are checked when the query is planned. */
export const riskScore = {
  kind: 'scalar',
  args: ['DOUBLE', 'STRING'],
  returns: 'DOUBLE',
  // NULL arguments arrive as null, as in Flink.
  eval(amount: number | null, country: string | null): number | null {
    if (amount === null) return null;
    const foreign = country !== null && country !== 'DE' ? 2 : 1;
    return Math.round(Math.log10(1 + amount) * foreign * 100) / 100;
  },
};

/** Scalar, plain function form: the result type is a property of the function. */
export const maskCard = Object.assign((card: string | null): string | null => (card === null ? null : `****${card.slice(-4)}`), {
  returns: 'STRING',
});

/** Table function: one row per tag, used as LATERAL TABLE(split_tags(tags)). */
export const splitTags = {
  kind: 'table',
  args: ['STRING'],
  returns: 'ROW<tag STRING, pos INT>',
  *eval(tags: string | null): Generator<[string, number]> {
    if (tags === null) return;
    let pos = 0;
    for (const t of tags.split(',')) if (t.trim() !== '') yield [t.trim(), pos++];
  },
};

interface WeightedAcc { sum: number; weight: number }

/** Aggregate function: retract makes it usable on updating inputs, merge in SESSION windows. */
export const weightedAvg = {
  kind: 'aggregate',
  args: ['DOUBLE', 'INT'],
  returns: 'DOUBLE',
  createAccumulator: (): WeightedAcc => ({ sum: 0, weight: 0 }),
  accumulate(acc: WeightedAcc, value: number | null, weight: number | null): void {
    if (value === null || weight === null) return;
    acc.sum += value * weight;
    acc.weight += weight;
  },
  retract(acc: WeightedAcc, value: number | null, weight: number | null): void {
    if (value === null || weight === null) return;
    acc.sum -= value * weight;
    acc.weight -= weight;
  },
  merge(acc: WeightedAcc, other: WeightedAcc): void {
    acc.sum += other.sum;
    acc.weight += other.weight;
  },
  getValue: (acc: WeightedAcc): number | null => (acc.weight === 0 ? null : acc.sum / acc.weight),
};
