// SQL from a Node program, next to DataStream code. docs/sql-api.md walks through it;
// src/sql/table-environment.test.ts runs it and checks what it prints.
// Run it: npm run build && node dist/examples/sql-api/sql-api.js
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SqlParseError, StreamExecutionEnvironment, StreamTableEnvironment, TableEnvironment, WatermarkStrategies,
} from '../../src/index.js';

type Order = { id: number; customer: string; amount: number; at: number };
const orders: Order[] = [
  { id: 1, customer: 'ana', amount: 30, at: 1_000 },
  { id: 2, customer: 'bo', amount: 120, at: 4_000 },
  { id: 3, customer: 'ana', amount: 250, at: 7_000 },
  { id: 4, customer: 'bo', amount: 15, at: 13_000 },
];
const dir = mkdtempSync(join(tmpdir(), 'weir-sql-api-'));
writeFileSync(join(dir, 'orders.json'), orders.map((o) => JSON.stringify(o)).join('\n'));

// 1. A TableEnvironment: tables, a function written in TypeScript, statements one at a time.
const tenv = TableEnvironment.create();
await tenv.executeSql(`CREATE TABLE orders (id INT, customer STRING, amount DOUBLE)
  WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'orders.json')}', 'format' = 'json')`);
tenv.createTemporarySystemFunction('tier', Object.assign(
  (amount: number | null) => (amount === null ? null : amount >= 100 ? 'big' : 'small'),
  { returns: 'STRING' },
));

// A SELECT's rows come as a changelog: an aggregate retracts (-U) and updates (+U) earlier rows.
const totals = await tenv.executeSql('SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer');
for await (const { kind, row } of totals) console.log(kind, row.customer, row.n, row.total);

// INSERT INTO starts a job; await its end.
await tenv.executeSql(`CREATE TABLE big_orders (id INT, customer STRING)
  WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'big')}', 'format' = 'csv')`);
const insert = await tenv.executeSql("INSERT INTO big_orders SELECT id, customer FROM orders WHERE tier(amount) = 'big'");
await insert.done;
for (const file of readdirSync(join(dir, 'big')).filter((f) => !f.startsWith('.'))) {
  process.stdout.write(readFileSync(join(dir, 'big', file), 'utf8'));
}

// Mistakes are reported with line, column and a caret, before anything runs.
try {
  await tenv.executeSql('SELECT id, amout FROM orders');
} catch (e) {
  if (!(e instanceof SqlParseError)) throw e;
  console.log(`error at ${e.line}:${e.column}: ${e.message}`);
}

// 2. A StreamTableEnvironment shares one StreamExecutionEnvironment with DataStream code.
const env = StreamExecutionEnvironment.create();
const stream = env.fromArray(orders).assignTimestampsAndWatermarks(
  WatermarkStrategies.boundedOutOfOrderness<Order>(2_000).withTimestampAssigner((o) => o.at));
const stenv = StreamTableEnvironment.create(env);
// The stream's event time becomes the rowtime column `ts`; its watermarks drive the windows.
stenv.fromDataStream('order_events', stream, { columns: { customer: 'STRING', amount: 'DOUBLE' }, rowtime: 'ts' });
const perWindow = stenv.toDataStream(`
  SELECT window_start, SUM(amount) AS total
  FROM TABLE(TUMBLE(TABLE order_events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end`);
// ...and the query's rows go on through DataStream operators in the same job.
const lines = perWindow.map((r) => `window from ${r.window_start as number} ms: ${r.total as number}`).collect('windows');
await env.execute('orders per window').done;
for (const { value } of lines.records) console.log(value);
