import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlParseError } from '../parser/index.js';
import { planScript } from './index.js';
import { runToRows } from './testing.js';

// The legacy GROUP BY TUMBLE/HOP/SESSION form must give the rows of the window TVF form, which the
// golden tests check against Flink; so each case here compares the two.

const dir = mkdtempSync(join(tmpdir(), 'weir-group-window-'));
const data = join(dir, 'bid.json');
const bids: { bidder: number; price: number; dateTime: string }[] = [];
for (let i = 0; i < 60; i++) {
  const h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  // Mostly ordered with some disorder within the watermark delay, and gaps that end sessions.
  const sec = i * 3 + (h % 3) + (i >= 30 ? 40 : 0);
  bids.push({ bidder: h % 4, price: h % 100, dateTime: new Date(Date.UTC(2024, 0, 1) + sec * 1000).toISOString().replace('T', ' ').slice(0, 23) });
}
writeFileSync(data, bids.map((b) => JSON.stringify(b)).join('\n'));

const DDL = `CREATE TABLE bid (bidder BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3), WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '3' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${data}', 'format' = 'json');\n`;

const sorted = async (sql: string): Promise<string[]> => {
  const { jobs } = planScript(DDL + sql);
  return (await runToRows(jobs[0]!)).map((r) => JSON.stringify(r)).sort();
};

test('GROUP BY TUMBLE(...) with TUMBLE_START/END/ROWTIME gives the rows of the TUMBLE window TVF', async () => {
  const legacy = await sorted(`SELECT bidder, TUMBLE_START(\`dateTime\`, INTERVAL '10' SECOND) AS s, TUMBLE_END(\`dateTime\`, INTERVAL '10' SECOND) AS e,
  TUMBLE_ROWTIME(\`dateTime\`, INTERVAL '10' SECOND) AS rt, COUNT(*) AS n, SUM(price) AS total
FROM bid GROUP BY TUMBLE(\`dateTime\`, INTERVAL '10' SECOND), bidder HAVING COUNT(*) >= 1;`);
  const tvf = await sorted(`SELECT bidder, window_start, window_end, window_time, COUNT(*), SUM(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end, window_time HAVING COUNT(*) >= 1;`);
  assert.ok(legacy.length > 5);
  assert.deepEqual(legacy, tvf);
});

test('GROUP BY HOP(ts, slide, size) gives the rows of the HOP window TVF', async () => {
  const legacy = await sorted(`SELECT HOP_START(\`dateTime\`, INTERVAL '5' SECOND, INTERVAL '15' SECOND), MAX(price)
FROM bid WHERE price > 10 GROUP BY HOP(\`dateTime\`, INTERVAL '5' SECOND, INTERVAL '15' SECOND);`);
  const tvf = await sorted(`SELECT window_start, MAX(price)
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '5' SECOND, INTERVAL '15' SECOND)) WHERE price > 10 GROUP BY window_start, window_end;`);
  assert.ok(legacy.length > 10);
  assert.deepEqual(legacy, tvf);
});

test('Nexmark q11: GROUP BY B.bidder, SESSION(B.dateTime, ...) gives the rows of the SESSION window TVF', async () => {
  const legacy = await sorted(`SELECT B.bidder, count(*) as bid_count,
    SESSION_START(B.\`dateTime\`, INTERVAL '10' SECOND) as starttime, SESSION_END(B.\`dateTime\`, INTERVAL '10' SECOND) as endtime
FROM bid B GROUP BY B.bidder, SESSION(B.\`dateTime\`, INTERVAL '10' SECOND);`);
  const tvf = await sorted(`SELECT bidder, count(*), window_start, window_end
FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end;`);
  assert.ok(legacy.length >= 8);
  assert.deepEqual(legacy, tvf);
  const { jobs } = planScript(`${DDL}SELECT COUNT(*) FROM bid GROUP BY SESSION(\`dateTime\`, INTERVAL '10' SECOND);`);
  assert.match(jobs[0]!.explain(), /WindowAggregate\(window=\[SESSION\(time_col=\[`?dateTime`?\], gap=\[10 s\]\)\]/);
});

test('TUMBLE_ROWTIME is a time attribute: a second window can group the first one\'s rows', async () => {
  const nested = await sorted(`SELECT TUMBLE_START(rt, INTERVAL '30' SECOND), SUM(n)
FROM (SELECT TUMBLE_ROWTIME(\`dateTime\`, INTERVAL '10' SECOND) AS rt, COUNT(*) AS n FROM bid GROUP BY TUMBLE(\`dateTime\`, INTERVAL '10' SECOND))
GROUP BY TUMBLE(rt, INTERVAL '30' SECOND);`);
  const direct = await sorted(`SELECT TUMBLE_START(\`dateTime\`, INTERVAL '30' SECOND), COUNT(*) FROM bid GROUP BY TUMBLE(\`dateTime\`, INTERVAL '30' SECOND);`);
  assert.deepEqual(nested, direct);
});

test('Nexmark q12: GROUP BY TUMBLE over a PROCTIME() column plans the processing-time window of the TVF form', () => {
  const view = "CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;\n";
  const legacy = planScript(`${DDL}${view}SELECT B.bidder, COUNT(*) AS bid_count, TUMBLE_START(B.p_time, INTERVAL '10' SECOND) AS starttime,
  TUMBLE_END(B.p_time, INTERVAL '10' SECOND) AS endtime, TUMBLE_PROCTIME(B.p_time, INTERVAL '10' SECOND) AS pt
FROM B GROUP BY B.bidder, TUMBLE(B.p_time, INTERVAL '10' SECOND);`).jobs[0]!;
  const tvf = planScript(`${DDL}${view}SELECT bidder, COUNT(*), window_start, window_end, window_time
FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end, window_time;`).jobs[0]!;
  const typeOf = (t: { kind: string; timeAttribute?: string }) => `${t.kind}${t.timeAttribute ? ` *${t.timeAttribute}*` : ''}`;
  assert.deepEqual(legacy.sinks[0]!.fields.slice(2).map((f) => typeOf(f.type)), tvf.sinks[0]!.fields.slice(2).map((f) => typeOf(f.type)));
  assert.equal(typeOf(legacy.sinks[0]!.fields[4]!.type), 'TIMESTAMP_LTZ *PROCTIME*');
  const physical = (j: typeof legacy) => j.explain().split('== Physical Plan ==')[1]!.replace(/sink \S+/, 'sink');
  assert.equal(physical(legacy), physical(tvf));
  assert.throws(() => planScript(`${DDL}${view}SELECT TUMBLE_ROWTIME(p_time, INTERVAL '10' SECOND) FROM B GROUP BY TUMBLE(p_time, INTERVAL '10' SECOND);`),
    /TUMBLE_ROWTIME needs a rowtime window/);
});

test('group window mistakes are errors at their position', () => {
  const fails = (sql: string): SqlParseError => {
    try {
      planScript(DDL + sql);
    } catch (e) {
      assert.ok(e instanceof SqlParseError, String(e));
      return e;
    }
    return assert.fail('expected an error');
  };
  assert.match(fails("SELECT HOP_START(`dateTime`, INTERVAL '10' SECOND) FROM bid GROUP BY TUMBLE(`dateTime`, INTERVAL '10' SECOND);").message,
    /HOP_START does not match the group window TUMBLE/);
  const e = fails("SELECT TUMBLE_END(`dateTime`, INTERVAL '5' SECOND) FROM bid GROUP BY TUMBLE(`dateTime`, INTERVAL '10' SECOND);");
  assert.match(e.message, /TUMBLE_END must have the arguments of the group window/);
  assert.equal(e.column, 8);
  assert.match(fails("SELECT COUNT(*) FROM bid GROUP BY TUMBLE(price, INTERVAL '10' SECOND);").message, /Window can only be defined on a time attribute column/);
  assert.match(fails("SELECT COUNT(*) FROM bid GROUP BY HOP(`dateTime`, INTERVAL '10' SECOND);").message, /HOP in GROUP BY takes 3 arguments/);
  assert.match(fails("SELECT COUNT(*) FROM bid GROUP BY TUMBLE(`dateTime`, INTERVAL '1' SECOND), SESSION(`dateTime`, INTERVAL '1' SECOND);").message, /only one group window/);
  assert.match(fails('SELECT TUMBLE_START(`dateTime`, INTERVAL \'10\' SECOND) FROM bid GROUP BY bidder;').message, /TUMBLE_START/);
});
