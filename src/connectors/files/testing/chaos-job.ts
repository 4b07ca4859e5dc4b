/**
 * The job of the chaos test, run as a child process: a windowed aggregation from a replayable generator
 * into exactly-once part files, checkpointing often. Usage: node chaos-job.js OUT_DIR CHECKPOINT_DIR RECORDS [PARALLELISM]
 */
import { StreamExecutionEnvironment } from '../../../api/environment.js';
import { WatermarkStrategies } from '../../../runtime/watermarks.js';
import { fromGenerator } from '../../../runtime/source.js';
import { tumblingEventTimeWindows } from '../../../windows/assigners.js';
import { partFileSink } from '../part-file-sink.js';

const [outDir, checkpointDir, recordsArg, pArg] = process.argv.slice(2);
const records = Number(recordsArg);
const parallelism = Number(pArg ?? '1');
// With one source subtask, which records are late is deterministic, so the run keeps some (disorder up
// to 3 s against a 2 s bound) to check that lateness is judged the same after a restore. With several,
// lateness would depend on how the subtasks interleave, in Flink as here, so no record is late.
const bound = parallelism === 1 ? 2000 : 4000;

interface Txn { card: number; amount: number; ts: number }
const txn = (n: number): Txn => {
  const h = Math.imul(n ^ 0x2545f491, 0x9e3779b1) >>> 0;
  return { card: h % 5000, amount: h % 1000, ts: 1_700_000_000_000 + n * 2 + (h % 3000) - 1500 };
};

const env = StreamExecutionEnvironment.create({
  parallelism,
  name: 'chaos',
  checkpointing: { intervalMs: 100, dir: checkpointDir!, retain: 2 },
});
env
  .fromSource(fromGenerator(records, txn, { name: 'txns', ratePerSecond: 300_000 }), WatermarkStrategies.boundedOutOfOrderness<Txn>(bound).withTimestampAssigner((t) => t.ts))
  .keyBy((t) => t.card)
  .window(tumblingEventTimeWindows(10_000))
  .aggregate<[number, number], [number, number], string>(
    {
      createAccumulator: () => [0, 0],
      add: (t, acc) => [acc[0] + 1, acc[1] + t.amount],
      getResult: (acc) => acc,
      merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    },
    { process: (card, ctx, [r], out) => out.collect(`${card},${ctx.window.start},${r![0]},${r![1]}`) },
  )
  .sinkTo(partFileSink<string>({ dir: outDir!, encode: (s) => s }));
await env.execute().done;
