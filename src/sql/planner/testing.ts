import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import type { SqlJob } from './script.js';

/** Runs a bounded SQL job in this thread and returns the rows (or changes) of its first sink. For tests. */
export async function runToRows(job: SqlJob): Promise<(Row | ChangeRow)[]> {
  const env = StreamExecutionEnvironment.create();
  job.build(env);
  const h = env.execute();
  await h.done;
  return h.collected<Row | ChangeRow>(job.sinks[0]!.name).map((r) => r.value);
}
