import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as A from './ast.js';
import { parseScript } from './parser.js';
import { stripSpans, unparseScript } from './unparse.js';

// The Nexmark benchmark as the nexmark project runs it on Flink: the generator table, the three views
// over it, then for each query a blackhole sink and the INSERT. `${NEXMARK_TABLE}` is `datagen` here.

const DDL = `
CREATE TABLE datagen (
    event_type int,
    person ROW<
        id  BIGINT,
        name  VARCHAR,
        emailAddress  VARCHAR,
        creditCard  VARCHAR,
        city  VARCHAR,
        state  VARCHAR,
        \`dateTime\` TIMESTAMP(3),
        extra  VARCHAR>,
    auction ROW<
        id  BIGINT,
        itemName  VARCHAR,
        description  VARCHAR,
        initialBid  BIGINT,
        reserve  BIGINT,
        \`dateTime\`  TIMESTAMP(3),
        expires  TIMESTAMP(3),
        seller  BIGINT,
        category  BIGINT,
        extra  VARCHAR>,
    bid ROW<
        auction  BIGINT,
        bidder  BIGINT,
        price  BIGINT,
        channel  VARCHAR,
        url  VARCHAR,
        \`dateTime\`  TIMESTAMP(3),
        extra  VARCHAR>,
    \`dateTime\` AS
        CASE
            WHEN event_type = 0 THEN person.\`dateTime\`
            WHEN event_type = 1 THEN auction.\`dateTime\`
            ELSE bid.\`dateTime\`
        END,
    WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'first-event.rate' = '\${TPS}',
    'next-event.rate' = '\${TPS}',
    'events.num' = '\${EVENTS_NUM}',
    'person.proportion' = '\${PERSON_PROPORTION}',
    'auction.proportion' = '\${AUCTION_PROPORTION}',
    'bid.proportion' = '\${BID_PROPORTION}'
);

CREATE VIEW person AS
SELECT person.id, person.name, person.emailAddress, person.creditCard, person.city, person.state,
       \`dateTime\`, person.extra
FROM datagen WHERE event_type = 0;

CREATE VIEW auction AS
SELECT auction.id, auction.itemName, auction.description, auction.initialBid, auction.reserve,
       \`dateTime\`, auction.expires, auction.seller, auction.category, auction.extra
FROM datagen WHERE event_type = 1;

CREATE VIEW bid AS
SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, \`dateTime\`, bid.extra
FROM datagen WHERE event_type = 2;
`;

const BID_SINK = (name: string): string => `CREATE TABLE ${name} (
  auction  BIGINT,
  bidder  BIGINT,
  price  BIGINT,
  \`dateTime\`  TIMESTAMP(3),
  extra  VARCHAR
) WITH (
  'connector' = 'blackhole'
);`;

const RANKS = `
    count(*) filter (where price < 10000) AS rank1_bids,
    count(*) filter (where price >= 10000 and price < 1000000) AS rank2_bids,
    count(*) filter (where price >= 1000000) AS rank3_bids,`;
const DISTINCT_RANKS = `
    count(distinct bidder) AS total_bidders,
    count(distinct bidder) filter (where price < 10000) AS rank1_bidders,
    count(distinct bidder) filter (where price >= 10000 and price < 1000000) AS rank2_bidders,
    count(distinct bidder) filter (where price >= 1000000) AS rank3_bidders,
    count(distinct auction) AS total_auctions,
    count(distinct auction) filter (where price < 10000) AS rank1_auctions,
    count(distinct auction) filter (where price >= 10000 and price < 1000000) AS rank2_auctions,
    count(distinct auction) filter (where price >= 1000000) AS rank3_auctions`;

const QUERIES: Record<string, string> = {
  q0: `${BID_SINK('nexmark_q0')}
INSERT INTO nexmark_q0
SELECT auction, bidder, price, \`dateTime\`, extra FROM bid;`,

  q1: `CREATE TABLE nexmark_q1 (
  auction  BIGINT,
  bidder  BIGINT,
  price  DECIMAL(23, 3),
  \`dateTime\`  TIMESTAMP(3),
  extra  VARCHAR
) WITH (
  'connector' = 'blackhole'
);
INSERT INTO nexmark_q1
SELECT
    auction,
    bidder,
    0.908 * price as price, -- dollar to euro
    \`dateTime\`,
    extra
FROM bid;`,

  q2: `CREATE TABLE nexmark_q2 (auction BIGINT, price BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q2
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;`,

  q3: `CREATE TABLE nexmark_q3 (name VARCHAR, city VARCHAR, state VARCHAR, id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q3
SELECT
    P.name, P.city, P.state, A.id
FROM
    auction AS A INNER JOIN person AS P on A.seller = P.id
WHERE
    A.category = 10 and (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');`,

  q4: `CREATE TABLE nexmark_q4 (id BIGINT, final BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q4
SELECT
    Q.category,
    AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.\`dateTime\` BETWEEN A.\`dateTime\` AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;`,

  q5: `CREATE TABLE nexmark_q5 (auction BIGINT, num BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q5
SELECT AuctionBids.auction, AuctionBids.num
 FROM (
   SELECT
     auction,
     count(*) AS num,
     window_start AS starttime,
     window_end AS endtime
     FROM TABLE(
             HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
     GROUP BY auction, window_start, window_end
 ) AS AuctionBids
 JOIN (
   SELECT
     max(CountBids.num) AS maxn,
     CountBids.starttime,
     CountBids.endtime
   FROM (
     SELECT
       count(*) AS num,
       window_start AS starttime,
       window_end AS endtime
     FROM TABLE(
                HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
     GROUP BY auction, window_start, window_end
     ) AS CountBids
   GROUP BY CountBids.starttime, CountBids.endtime
 ) AS MaxBids
 ON AuctionBids.starttime = MaxBids.starttime AND
    AuctionBids.endtime = MaxBids.endtime AND
    AuctionBids.num >= MaxBids.maxn;`,

  q6: `CREATE TABLE nexmark_q6 (seller VARCHAR, avg_price BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q6
SELECT
    Q.seller,
    AVG(Q.price) OVER
        (PARTITION BY Q.seller ORDER BY Q.\`dateTime\` ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
    FROM (SELECT A.id, A.seller, B.price, B.\`dateTime\`
        FROM auction AS A, bid AS B
        WHERE A.id = B.auction and B.\`dateTime\` between A.\`dateTime\` and A.expires)
    WHERE rownum <= 1
) AS Q;`,

  q7: `${BID_SINK('nexmark_q7')}
INSERT INTO nexmark_q7
SELECT B.auction, B.price, B.bidder, B.\`dateTime\`, B.extra
from bid B
JOIN (
  SELECT MAX(price) AS maxprice, window_end as \`dateTime\`
  FROM TABLE(
          TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.\`dateTime\` BETWEEN B1.\`dateTime\`  - INTERVAL '10' SECOND AND B1.\`dateTime\`;`,

  q8: `CREATE TABLE nexmark_q8 (id BIGINT, name VARCHAR, stime TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q8
SELECT P.id, P.name, P.starttime
FROM (
  SELECT id, name,
        window_start AS starttime,
        window_end AS endtime
  FROM TABLE(
            TUMBLE(TABLE person, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
  GROUP BY id, name, window_start, window_end
) P
JOIN (
  SELECT seller,
        window_start AS starttime,
        window_end AS endtime
  FROM TABLE(
        TUMBLE(TABLE auction, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
  GROUP BY seller, window_start, window_end
) A
ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;`,

  q9: `CREATE TABLE nexmark_q9 (
  id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, \`dateTime\` TIMESTAMP(3),
  expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR, auction BIGINT, bidder BIGINT, price BIGINT,
  bid_dateTime TIMESTAMP(3), bid_extra VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q9
SELECT
    id, itemName, description, initialBid, reserve, \`dateTime\`, expires, seller, category, extra,
    auction, bidder, price, bid_dateTime, bid_extra
FROM (
   SELECT A.*, B.auction, B.bidder, B.price, B.\`dateTime\` AS bid_dateTime, B.extra AS bid_extra,
     ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.\`dateTime\` ASC) AS rownum
   FROM auction A, bid B
   WHERE A.id = B.auction AND B.\`dateTime\` BETWEEN A.\`dateTime\` AND A.expires
)
WHERE rownum <= 1;`,

  q10: `CREATE TABLE nexmark_q10 (
  auction  BIGINT,
  bidder  BIGINT,
  price  BIGINT,
  \`dateTime\`  TIMESTAMP(3),
  extra  VARCHAR,
  dt STRING,
  hm STRING
) PARTITIONED BY (dt, hm) WITH (
  'connector' = 'filesystem',
  'path' = 'file://\${NEXMARK_DIR}/data/output/\${SUBMIT_TIME}/bid/',
  'format' = 'csv',
  'sink.partition-commit.trigger' = 'partition-time',
  'sink.partition-commit.delay' = '1 min',
  'sink.partition-commit.policy.kind' = 'success-file',
  'partition.time-extractor.timestamp-pattern' = '$dt $hm:00',
  'sink.rolling-policy.rollover-interval' = '1min',
  'sink.rolling-policy.check-interval' = '1min'
);
INSERT INTO nexmark_q10
SELECT auction, bidder, price, \`dateTime\`, extra, DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd'), DATE_FORMAT(\`dateTime\`, 'HH:mm')
FROM bid;`,

  q11: `CREATE TABLE nexmark_q11 (
  bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q11
SELECT
    B.bidder,
    count(*) as bid_count,
    SESSION_START(B.\`dateTime\`, INTERVAL '10' SECOND) as starttime,
    SESSION_END(B.\`dateTime\`, INTERVAL '10' SECOND) as endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.\`dateTime\`, INTERVAL '10' SECOND);`,

  q12: `CREATE TABLE nexmark_q12 (
  bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');
CREATE VIEW B AS SELECT *, PROCTIME() as p_time FROM bid;
INSERT INTO nexmark_q12
SELECT
    bidder,
    count(*) as bid_count,
    window_start AS starttime,
    window_end AS endtime
FROM TABLE(
        TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;`,

  q13: `CREATE TABLE side_input (
  key BIGINT,
  \`value\` VARCHAR
) WITH (
  'connector.type' = 'filesystem',
  'connector.path' = 'file://\${FLINK_HOME}/data/side_input.txt',
  'format.type' = 'csv'
);
CREATE TABLE nexmark_q13 (
  auction  BIGINT,
  bidder  BIGINT,
  price  BIGINT,
  \`dateTime\`  TIMESTAMP(3),
  \`value\`  VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q13
SELECT
    B.auction,
    B.bidder,
    B.price,
    B.\`dateTime\`,
    S.\`value\`
FROM (SELECT *, PROCTIME() as p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON mod(B.auction, 10000) = S.key;`,

  q14: `CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TABLE nexmark_q14 (
    auction BIGINT,
    bidder BIGINT,
    price  DECIMAL(23, 3),
    bidTimeType VARCHAR,
    \`dateTime\` TIMESTAMP(3),
    extra VARCHAR,
    c_counts BIGINT
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q14
SELECT
    auction,
    bidder,
    0.908 * price as price,
    CASE
        WHEN HOUR(\`dateTime\`) >= 8 AND HOUR(\`dateTime\`) <= 18 THEN 'dayTime'
        WHEN HOUR(\`dateTime\`) <= 6 OR HOUR(\`dateTime\`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    \`dateTime\`,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;`,

  q15: `CREATE TABLE nexmark_q15 (
  \`day\` VARCHAR, total_bids BIGINT, rank1_bids BIGINT, rank2_bids BIGINT, rank3_bids BIGINT,
  total_bidders BIGINT, rank1_bidders BIGINT, rank2_bidders BIGINT, rank3_bidders BIGINT,
  total_auctions BIGINT, rank1_auctions BIGINT, rank2_auctions BIGINT, rank3_auctions BIGINT
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q15
SELECT
    DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd') as \`day\`,
    count(*) AS total_bids,${RANKS}${DISTINCT_RANKS}
FROM bid
GROUP BY DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd');`,

  q16: `CREATE TABLE nexmark_q16 (
    channel VARCHAR, \`day\` VARCHAR, \`minute\` VARCHAR,
    total_bids BIGINT, rank1_bids BIGINT, rank2_bids BIGINT, rank3_bids BIGINT,
    total_bidders BIGINT, rank1_bidders BIGINT, rank2_bidders BIGINT, rank3_bidders BIGINT,
    total_auctions BIGINT, rank1_auctions BIGINT, rank2_auctions BIGINT, rank3_auctions BIGINT
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q16
SELECT
    channel,
    DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd') as \`day\`,
    max(DATE_FORMAT(\`dateTime\`, 'HH:mm')) as \`minute\`,
    count(*) AS total_bids,${RANKS}${DISTINCT_RANKS}
FROM bid
GROUP BY channel, DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd');`,

  q17: `CREATE TABLE nexmark_q17 (
  auction BIGINT, \`day\` VARCHAR, total_bids BIGINT, rank1_bids BIGINT, rank2_bids BIGINT, rank3_bids BIGINT,
  min_price BIGINT, max_price BIGINT, avg_price BIGINT, sum_price BIGINT
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q17
SELECT
     auction,
     DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd') as \`day\`,
     count(*) AS total_bids,${RANKS}
     min(price) AS min_price,
     max(price) AS max_price,
     avg(price) AS avg_price,
     sum(price) AS sum_price
FROM bid
GROUP BY auction, DATE_FORMAT(\`dateTime\`, 'yyyy-MM-dd');`,

  q18: `CREATE TABLE nexmark_q18 (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, \`dateTime\` TIMESTAMP(3), extra VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q18
SELECT auction, bidder, price, channel, url, \`dateTime\`, extra
 FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY \`dateTime\` DESC) AS rank_number
       FROM bid)
 WHERE rank_number <= 1;`,

  q19: `CREATE TABLE nexmark_q19 (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, \`dateTime\` TIMESTAMP(3),
    extra VARCHAR, rank_number BIGINT
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q19
SELECT * FROM
(SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid)
WHERE rank_number <= 10;`,

  q20: `CREATE TABLE nexmark_q20 (
    auction  BIGINT,
    bidder  BIGINT,
    price  BIGINT,
    channel  VARCHAR,
    url  VARCHAR,
    bid_dateTime  TIMESTAMP(3),
    bid_extra  VARCHAR,

    itemName  VARCHAR,
    description  VARCHAR,
    initialBid  BIGINT,
    reserve  BIGINT,
    auction_dateTime  TIMESTAMP(3),
    expires  TIMESTAMP(3),
    seller  BIGINT,
    category  BIGINT,
    auction_extra  VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q20
SELECT
    auction, bidder, price, channel, url, B.\`dateTime\`, B.extra,
    itemName, description, initialBid, reserve, A.\`dateTime\`, expires, seller, category, A.extra
FROM
    bid AS B INNER JOIN auction AS A on B.auction = A.id
WHERE A.category = 10;`,

  q21: `CREATE TABLE nexmark_q21 (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, channel_id VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q21
SELECT
    auction, bidder, price, channel,
    CASE
        WHEN lower(channel) = 'apple' THEN '0'
        WHEN lower(channel) = 'google' THEN '1'
        WHEN lower(channel) = 'facebook' THEN '2'
        WHEN lower(channel) = 'baidu' THEN '3'
        ELSE REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)
        END
    AS channel_id FROM bid
    where REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) is not null or
          lower(channel) in ('apple', 'google', 'facebook', 'baidu');`,

  q22: `CREATE TABLE nexmark_q22 (
      auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, dir1 VARCHAR, dir2 VARCHAR, dir3 VARCHAR
) WITH ('connector' = 'blackhole');
INSERT INTO nexmark_q22
SELECT
    auction, bidder, price, channel,
    SPLIT_INDEX(url, '/', 3) as dir1,
    SPLIT_INDEX(url, '/', 4) as dir2,
    SPLIT_INDEX(url, '/', 5) as dir3 FROM bid;`,
};

function lastInsert(stmts: A.Statement[]): A.Insert {
  const s = stmts[stmts.length - 1]!;
  assert.equal(s.kind, 'Insert');
  return s as A.Insert;
}

/** All nodes of a tree, depth first, for "does this query use X" checks. */
function nodes(root: unknown): { kind: string }[] {
  const out: { kind: string }[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      if (typeof (n as { kind?: unknown }).kind === 'string') out.push(n as { kind: string });
      for (const [k, v] of Object.entries(n)) if (k !== 'span') walk(v);
    }
  };
  walk(root);
  return out;
}

const calls = (root: unknown): string[] =>
  nodes(root).filter((n): n is A.FunctionCall => n.kind === 'FunctionCall').map((c) => c.name.join('.').toUpperCase());

test('the Nexmark DDL: generator table with nested ROWs, computed rowtime, watermark; three views', () => {
  const stmts = parseScript(DDL);
  assert.deepEqual(stmts.map((s) => s.kind), ['CreateTable', 'CreateView', 'CreateView', 'CreateView']);
  const gen = stmts[0] as A.CreateTable;
  assert.deepEqual(gen.columns.map((c) => c.kind), ['PhysicalColumn', 'PhysicalColumn', 'PhysicalColumn', 'PhysicalColumn', 'ComputedColumn']);
  const bid = gen.columns[3] as A.PhysicalColumn;
  assert.ok(bid.type.kind === 'RowType');
  assert.deepEqual(bid.type.fields.map((f) => f.name), ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
  assert.deepEqual(gen.watermark?.column, ['dateTime']);
  assert.equal(gen.options.find((o) => o.key === 'events.num')?.value, '${EVENTS_NUM}');
});

for (const [name, sql] of Object.entries(QUERIES)) {
  test(`Nexmark ${name} parses and survives unparse -> parse`, () => {
    const stmts = parseScript(`${DDL}\n${sql}`);
    const again = parseScript(unparseScript(stmts));
    assert.deepEqual(stripSpans(again), stripSpans(stmts));
    const insert = lastInsert(stmts);
    assert.equal(insert.table[0], `nexmark_${name}`);
  });
}

test('Nexmark queries have the constructs they are known for', () => {
  const q = (name: string): A.Insert => lastInsert(parseScript(QUERIES[name]!));
  const kinds = (name: string): string[] => nodes(q(name)).map((n) => n.kind);

  assert.ok(calls(q('q2')).includes('MOD'));
  const q3 = q('q3').query.body as A.Select;
  assert.ok(q3.from?.kind === 'Join' && q3.from.joinType === 'INNER');
  assert.ok(kinds('q4').includes('Between'));
  assert.equal(calls(q('q5')).filter((c) => c === 'HOP').length, 2);
  assert.ok(calls(q('q6')).includes('ROW_NUMBER'));
  const q6frames = nodes(q('q6')).filter((n): n is A.WindowSpec => n.kind === 'WindowSpec').map((w) => w.frame?.unit);
  assert.ok(q6frames.includes('ROWS'));
  assert.ok(calls(q('q7')).includes('TUMBLE'));
  assert.equal(calls(q('q8')).filter((c) => c === 'TUMBLE').length, 2);
  assert.ok(kinds('q9').includes('Star'));
  const q10 = parseScript(QUERIES.q10!)[0] as A.CreateTable;
  assert.deepEqual(q10.partitionedBy, ['dt', 'hm']);
  assert.deepEqual(calls(q('q11')).filter((c) => c.startsWith('SESSION')).sort(), ['SESSION', 'SESSION_END', 'SESSION_START']);
  const q12 = parseScript(QUERIES.q12!);
  assert.equal(q12[1]!.kind, 'CreateView');
  assert.ok(calls(q12[1]).includes('PROCTIME'));
  const temporal = nodes(q('q13')).filter((n) => n.kind === 'NamedTable' && 'forSystemTime' in n) as A.NamedTableRef[];
  assert.equal(temporal.length, 1);
  assert.deepEqual(temporal[0]!.name, ['side_input']);
  const q14 = parseScript(QUERIES.q14!);
  assert.equal(q14[0]!.kind, 'CreateFunction');
  assert.ok(calls(q14[2]).includes('COUNT_CHAR') && kinds('q14').includes('Case'));
  for (const name of ['q15', 'q16']) {
    const fns = (nodes(q(name)).filter((n) => n.kind === 'FunctionCall') as A.FunctionCall[])
      .filter((f) => f.name[0]!.toLowerCase() === 'count');
    assert.equal(fns.filter((f) => f.filter !== undefined).length, 9, name);
    assert.equal(fns.filter((f) => f.distinct).length, 8, name);
  }
  assert.ok(calls(q('q17')).includes('AVG'));
  for (const name of ['q18', 'q19']) assert.ok(calls(q(name)).includes('ROW_NUMBER'), name);
  assert.ok(kinds('q21').includes('InList') && kinds('q21').includes('Is'));
  assert.equal(calls(q('q22')).filter((c) => c === 'SPLIT_INDEX').length, 3);
});

test('all of q0-q22 are covered', () => {
  assert.deepEqual(Object.keys(QUERIES), Array.from({ length: 23 }, (_, i) => `q${i}`));
});
