// The README's DataStream example; src/api/readme-example.test.ts runs it and checks its output.
import {
  StreamExecutionEnvironment, WatermarkStrategies, OutputTag, fromArray, tumblingEventTimeWindows,
} from '../src/index.js';

type Click = { user: string; ts: number };
const clicks: Click[] = [
  { user: 'ana', ts: 1_000 }, { user: 'bo', ts: 2_000 }, { user: 'ana', ts: 4_000 },
  { user: 'ana', ts: 12_000 }, { user: 'bo', ts: 3_000 }, // out of order, still on time
];

const env = StreamExecutionEnvironment.create();
const late = new OutputTag<Click>('late');
const counts = env
  .fromSource(fromArray(clicks), WatermarkStrategies
    .boundedOutOfOrderness<Click>(2_000)
    .withTimestampAssigner((c) => c.ts))
  .keyBy((c) => c.user)
  .window(tumblingEventTimeWindows(10_000))
  .sideOutputLateData(late)
  .aggregate(
    { createAccumulator: () => 0, add: (_c, n) => n + 1, getResult: (n) => n },
    { process: (user, ctx, [n], out) => out.collect(`${user} [${ctx.window.start}, ${ctx.window.end}): ${n}`) },
  );
counts.print();
counts.getSideOutput(late).print('late');
await env.execute('clicks per user').done;
// ana [0, 10000): 2
// bo [0, 10000): 2
// ana [10000, 20000): 1
