/**
 * The job behind the stored-state fixtures in `src/runtime/testdata/`: counts per key with keyed value
 * state. Keep its graph as it is: `migration.test.ts` restores checkpoints written by earlier versions of
 * weir into it. To add a fixture for a new state format version, run
 * `node dist/src/runtime/testing/counting-job.js save src/runtime/testdata/counting-vN`.
 */
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { fromGenerator } from '../source.js';
import { valueState } from '../../state/descriptors.js';
import type { ValueState } from '../../state/descriptors.js';
import type { JobHandle } from '../executor.js';

export const COUNTING_RECORDS = 3000;

export function countingJob(checkpointDir: string, restoreFrom?: string, ratePerSecond?: number): JobHandle {
  const env = StreamExecutionEnvironment.create({ checkpointing: { intervalMs: 50, dir: checkpointDir, restoreFrom } });
  env.fromSource(fromGenerator(COUNTING_RECORDS, (n) => n, ratePerSecond ? { ratePerSecond } : {}))
    .keyBy((n) => n % 10)
    .process(() => {
      let count: ValueState<number>;
      return {
        open(rt) { count = rt.getState(valueState<number>('count')); },
        processElement(n, ctx, out) {
          const c = (count.value() ?? 0) + 1;
          count.update(c);
          out.collect([ctx.currentKey, c, n]);
        },
      };
    })
    .collect('counts');
  return env.execute('counting');
}

if (process.argv[2] === 'save' && process.argv[3]) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const job = countingJob(mkdtempSync(join(tmpdir(), 'weir-fixture-')), undefined, 3000);
  await new Promise((r) => setTimeout(r, 400));
  const sp = await job.savepoint(process.argv[3]);
  await job.cancel();
  console.log(`fixture written to ${sp.path}`);
}
