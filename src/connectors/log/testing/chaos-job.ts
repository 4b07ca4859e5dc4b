/**
 * The job of the log chaos test, run as a child process: reads the topic `txns` of a log directory,
 * aggregates per card in 10 s event-time windows and writes `totals` to the same log through the
 * exactly-once log sink, checkpointing often. Usage: node chaos-job.js LOG_DIR CHECKPOINT_DIR [PARALLELISM] [crash-in-commit]
 *
 * With `crash-in-commit` the process SIGKILLs itself in the first commit after a checkpoint completes
 * (not the commit of the restored checkpoint): the checkpoint is durable, its transaction only prepared.
 */
import { StreamExecutionEnvironment } from '../../../api/environment.js';
import { WatermarkStrategies } from '../../../runtime/watermarks.js';
import { tumblingEventTimeWindows } from '../../../windows/assigners.js';
import type { Sink } from '../../../runtime/sink.js';
import { logSink } from '../log-sink.js';
import { logSource } from '../log-source.js';

const [logDir, checkpointDir, pArg] = process.argv.slice(2);
const parallelism = Number(pArg ?? '1');
const crashInCommit = process.argv[5] === 'crash-in-commit';

function crashingInCommit<T>(sink: Sink<T>): Sink<T> {
  return {
    name: sink.name,
    createWriter(ctx) {
      const w = sink.createWriter(ctx);
      let preCommitted = false;
      return {
        ...w,
        write: (b) => w.write(b),
        preCommit: async (id) => {
          const c = await w.preCommit!(id);
          if (c !== undefined) preCommitted = true;
          return c;
        },
        commit: async (c) => {
          if (preCommitted) process.kill(process.pid, 'SIGKILL');
          await w.commit!(c);
        },
      };
    },
  };
}

interface Txn { card: number; amount: number }

const env = StreamExecutionEnvironment.create({
  parallelism,
  name: 'chaos',
  checkpointing: { intervalMs: 100, dir: checkpointDir!, retain: 2 },
});
env
  .fromSource(
    logSource<Txn>({
      dir: logDir!, topic: 'txns', bounded: true, maxPollRecords: 256,
      decode: (r) => {
        const [card, amount] = String(r.value).split(',');
        return { card: Number(card), amount: Number(amount) };
      },
    }),
    WatermarkStrategies.boundedOutOfOrderness<Txn>(2000),
  )
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
  .sinkTo((crashInCommit ? crashingInCommit : <T>(s: Sink<T>) => s)(logSink<string>({ dir: logDir!, topic: 'totals', key: (s) => s.slice(0, s.indexOf(',')) })));
await env.execute().done;
