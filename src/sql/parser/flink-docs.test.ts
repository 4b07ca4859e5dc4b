import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as A from './ast.js';
import { parseScript } from './parser.js';
import { stripSpans, unparseScript } from './unparse.js';

// Statements in the shape of the examples in Flink's SQL documentation (window TVFs, Top-N,
// deduplication, joins, pattern recognition, models). Each must parse and survive a round trip.

function script(sql: string): A.Statement[] {
  const stmts = parseScript(sql);
  assert.deepEqual(stripSpans(parseScript(unparseScript(stmts))), stripSpans(stmts), unparseScript(stmts));
  return stmts;
}

function fromOf(s: A.Statement): A.TableRef {
  assert.ok(s.kind === 'QueryStatement' || s.kind === 'Insert');
  const body = s.query.body;
  assert.equal(body.kind, 'Select');
  return (body as A.Select).from!;
}

test('window TVFs: TUMBLE, HOP, CUMULATE, SESSION, named parameters, offset', () => {
  const s = script(`
    SELECT * FROM TABLE(
       TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES));
    SELECT * FROM TABLE(
       TUMBLE(
         DATA => TABLE Bid,
         TIMECOL => DESCRIPTOR(bidtime),
         SIZE => INTERVAL '10' MINUTES));
    SELECT window_start, window_end, SUM(price) AS total_price
      FROM TABLE(
        TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '1' MINUTES))
      GROUP BY window_start, window_end;
    SELECT window_start, window_end, SUM(price) AS total_price
      FROM TABLE(
        HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end;
    SELECT window_start, window_end, SUM(price) AS total_price
      FROM TABLE(
        CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end;
    SELECT window_start, window_end, item, SUM(price) AS total_price
      FROM TABLE(
        SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY item, window_start, window_end;
    SELECT window_start, window_end, SUM(price) AS total_price
      FROM TABLE(
        SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY window_start, window_end;`);
  assert.equal(s.length, 7);
  const names = s.map((x) => ((fromOf(x) as A.TableFunctionRef).call.name[0]));
  assert.deepEqual(names, ['TUMBLE', 'TUMBLE', 'TUMBLE', 'HOP', 'CUMULATE', 'SESSION', 'SESSION']);
  const session = (fromOf(s[5]!) as A.TableFunctionRef).call.args[0] as A.TableArgument;
  assert.equal(session.partitionBy.length, 1);
});

test('window aggregation with GROUPING SETS, ROLLUP and CUBE', () => {
  const s = script(`
    SELECT window_start, window_end, supplier_id, SUM(price) AS total_price
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, GROUPING SETS ((supplier_id), ());
    SELECT window_start, window_end, supplier_id, SUM(price) AS total_price
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, ROLLUP (supplier_id);
    SELECT window_start, window_end, item, supplier_id, SUM(price) AS total_price
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end, CUBE (supplier_id, item);`);
  const kinds = s.map((x) => ((x as A.QueryStatement).query.body as A.Select).groupBy[2]!.kind);
  assert.deepEqual(kinds, ['GroupingSets', 'Rollup', 'Cube']);
});

test('window Top-N, window deduplication, Top-N and deduplication', () => {
  const s = script(`
    SELECT *
      FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
        FROM (
          SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt
          FROM TABLE(
            TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
          GROUP BY window_start, window_end, supplier_id
        )
      ) WHERE rownum <= 3;
    SELECT *
      FROM (
        SELECT bidtime, price, item, supplier_id, window_start, window_end,
          ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bidtime DESC) AS rownum
        FROM TABLE(
          TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      ) WHERE rownum <= 1;
    CREATE TABLE ShopSales (
      product_id   STRING,
      category     STRING,
      product_name STRING,
      sales        BIGINT
    ) WITH ('connector' = 'datagen');
    SELECT product_id, category, product_name, sales
    FROM (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num
      FROM ShopSales)
    WHERE row_num <= 5;
    CREATE TABLE Orders (
      order_id  STRING,
      user        STRING,
      product     STRING,
      num         BIGINT,
      proctime AS PROCTIME()
    ) WITH ('connector' = 'datagen');
    SELECT order_id, user, product, num
    FROM (
      SELECT *,
        ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY proctime ASC) AS row_num
      FROM Orders)
    WHERE row_num = 1;`);
  assert.deepEqual(s.map((x) => x.kind), ['QueryStatement', 'QueryStatement', 'CreateTable', 'QueryStatement', 'CreateTable', 'QueryStatement']);
});

test('window join and window semi join', () => {
  const s = script(`
    SELECT L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id,
      COALESCE(L.window_start, R.window_start) as window_start,
      COALESCE(L.window_end, R.window_end) as window_end
    FROM (
      SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))
    ) L
    FULL JOIN (
      SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))
    ) R
    ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end;
    SELECT *
    FROM (
      SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))
    ) L WHERE L.num IN (
      SELECT num FROM (
        SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))
      ) R WHERE L.window_start = R.window_start AND L.window_end = R.window_end);`);
  assert.equal((fromOf(s[0]!) as A.JoinRef).joinType, 'FULL');
  const where = ((s[1] as A.QueryStatement).query.body as A.Select).where!;
  assert.equal(where.kind, 'InSubquery');
});

test('regular, interval, temporal, lookup joins; UNNEST and table functions', () => {
  const s = script(`
    SELECT * FROM Orders INNER JOIN Product ON Orders.productId = Product.id;
    SELECT * FROM Orders LEFT JOIN Product ON Orders.product_id = Product.id;
    SELECT * FROM Orders FULL OUTER JOIN Product ON Orders.product_id = Product.id;
    SELECT *
    FROM Orders o, Shipments s
    WHERE o.id = s.order_id
    AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time;
    CREATE TABLE currency_rates (
        currency STRING,
        conversion_rate DECIMAL(32, 2),
        update_time TIMESTAMP(3) METADATA FROM 'value.source.timestamp' VIRTUAL,
        WATERMARK FOR update_time AS update_time,
        PRIMARY KEY(currency) NOT ENFORCED
    ) WITH (
       'connector' = 'kafka',
       'value.format' = 'debezium-json'
    );
    SELECT
         order_id,
         price,
         orders.currency,
         conversion_rate,
         order_time
    FROM orders
    LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time
    ON orders.currency = currency_rates.currency;
    CREATE TEMPORARY TABLE Customers (
      id INT,
      name STRING,
      country STRING,
      zip STRING
    ) WITH (
      'connector' = 'jdbc',
      'url' = 'jdbc:mysql://mysqlhost:3306/customerdb',
      'table-name' = 'customers'
    );
    SELECT o.order_id, o.total, c.country, c.zip
    FROM Orders AS o
      JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c
        ON o.customer_id = c.id;
    SELECT order_id, tag
    FROM Orders CROSS JOIN UNNEST(tags) AS t (tag);
    SELECT order_id, res
    FROM Orders,
    LATERAL TABLE(table_func(order_id)) t(res);
    SELECT order_id, res
    FROM Orders
    LEFT OUTER JOIN LATERAL TABLE(table_func(order_id)) t(res)
      ON TRUE;`);
  assert.equal(s.length, 11);
  const temporal = (fromOf(s[5]!) as A.JoinRef).right as A.NamedTableRef;
  assert.equal(temporal.forSystemTime?.kind, 'Identifier');
  const lookup = (fromOf(s[7]!) as A.JoinRef).right as A.NamedTableRef;
  assert.equal(lookup.alias?.name, 'c');
  const rates = s[4] as A.CreateTable;
  assert.deepEqual(rates.primaryKey?.columns, ['currency']);
  const meta = rates.columns[2] as A.MetadataColumn;
  assert.deepEqual([meta.from, meta.virtual], ['value.source.timestamp', true]);
});

test('OVER aggregation and the WINDOW clause', () => {
  const s = script(`
    SELECT order_id, order_time, amount,
      SUM(amount) OVER (
        PARTITION BY product
        ORDER BY order_time
        RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW
      ) AS one_hour_prod_amount_sum
    FROM Orders;
    SELECT order_id, order_time, amount,
      SUM(amount) OVER w AS sum_amount,
      AVG(amount) OVER w AS avg_amount
    FROM Orders
    WINDOW w AS (
      PARTITION BY product
      ORDER BY order_time
      RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW);`);
  const sel = (s[1] as A.QueryStatement).query.body as A.Select;
  assert.equal(sel.windows[0]!.spec.frame?.unit, 'RANGE');
});

test('MATCH_RECOGNIZE examples', () => {
  const s = script(`
    SELECT *
    FROM Ticker
        MATCH_RECOGNIZE (
            PARTITION BY symbol
            ORDER BY rowtime
            MEASURES
                START_ROW.rowtime AS start_tstamp,
                LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
                LAST(PRICE_UP.rowtime) AS end_tstamp
            ONE ROW PER MATCH
            AFTER MATCH SKIP TO LAST PRICE_UP
            PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
            DEFINE
                PRICE_DOWN AS
                    (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                        PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
                PRICE_UP AS
                    PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
        ) MR;
    SELECT *
    FROM Ticker
        MATCH_RECOGNIZE(
            PARTITION BY symbol
            ORDER BY rowtime
            MEASURES
                FIRST(A.rowtime) AS start_tstamp,
                LAST(A.rowtime) AS end_tstamp,
                AVG(A.price) AS avgPrice
            ONE ROW PER MATCH
            AFTER MATCH SKIP PAST LAST ROW
            PATTERN (A+ B)
            DEFINE
                A AS AVG(A.price) < 15
        ) MR;
    SELECT *
    FROM Ticker
        MATCH_RECOGNIZE(
            PARTITION BY symbol
            ORDER BY rowtime
            MEASURES
                C.rowtime AS dropTime,
                A.price - C.price AS dropDiff
            ONE ROW PER MATCH
            AFTER MATCH SKIP PAST LAST ROW
            PATTERN (A B* C) WITHIN INTERVAL '1' HOUR
            DEFINE
                B AS B.price > A.price - 10,
                C AS C.price < A.price - 10
        );`);
  const mr = s.map((x) => fromOf(x) as A.MatchRecognizeRef);
  assert.deepEqual(mr.map((m) => m.alias?.name), ['MR', 'MR', undefined]);
  assert.deepEqual(mr[0]!.afterMatch, { kind: 'ToLast', variable: 'PRICE_UP' });
  assert.equal(mr[2]!.within?.kind, 'IntervalLiteral');
});

test('CREATE MODEL and ML_PREDICT (Flink 2.1)', () => {
  const s = script(`
    CREATE MODEL sentiment_analysis_model
    INPUT (text STRING COMMENT 'Input text for sentiment analysis')
    OUTPUT (sentiment STRING COMMENT 'Predicted sentiment (positive/negative/neutral/mixed)')
    COMMENT 'A model for sentiment analysis of text'
    WITH (
        'provider' = 'openai',
        'endpoint' = 'https://api.openai.com/v1/chat/completions',
        'api-key' = '<YOUR KEY>',
        'model'='gpt-3.5-turbo',
        'system-prompt' = 'Classify the text below into one of the following labels: [positive, negative, neutral, mixed]. Output only the label.'
    );
    SELECT * FROM ML_PREDICT(
      TABLE input_table,
      MODEL my_model,
      DESCRIPTOR(feature1, feature2)
    );
    SELECT * FROM ML_PREDICT(
      TABLE input_table,
      MODEL my_model,
      DESCRIPTOR(feature1, feature2),
      MAP['async', 'true', 'timeout', '100s']
    );
    SELECT * FROM ML_PREDICT(
      INPUT => TABLE input_table,
      MODEL => MODEL my_model,
      ARGS => DESCRIPTOR(feature1, feature2),
      CONFIG => MAP['async', 'true']
    );
    CREATE TEMPORARY VIEW movie_comment(id, movie_name, user_comment, actual_label)
    AS VALUES
      (1, 'Good Movie', 'It was great', 'positive'),
      (2, 'Bad Movie', 'Nothing special', 'negative');
    SELECT id, movie_name, content AS predicted_label, actual_label
    FROM ML_PREDICT(
      TABLE movie_comment,
      MODEL sentiment_analysis_model,
      DESCRIPTOR(user_comment));
    SHOW MODELS;
    DROP MODEL IF EXISTS sentiment_analysis_model;`);
  assert.deepEqual(s.map((x) => x.kind), [
    'CreateModel', 'QueryStatement', 'QueryStatement', 'QueryStatement', 'CreateView', 'QueryStatement', 'Show', 'Drop',
  ]);
  const model = s[0] as A.CreateModel;
  assert.equal(model.input[0]!.comment, 'Input text for sentiment analysis');
  const cfg = (fromOf(s[2]!) as A.TableFunctionRef).call.args[3] as A.MapConstructor;
  assert.equal(cfg.entries.length, 2);
});

test('a typical SQL client script', () => {
  const s = script(`
    SET 'execution.runtime-mode' = 'streaming';
    SET 'table.local-time-zone' = 'UTC';
    CREATE TABLE MyTable (
      \`user_id\` BIGINT,
      \`name\` STRING,
      \`record_time\` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
      \`cost\` DOUBLE,
      \`cost_with_tax\` AS cost * 1.19,
      \`offset\` BIGINT METADATA VIRTUAL,
      WATERMARK FOR record_time AS record_time - INTERVAL '5' SECOND,
      PRIMARY KEY (user_id) NOT ENFORCED
    ) WITH (
      'connector' = 'kafka',
      'topic' = 'user_behavior',
      'properties.bootstrap.servers' = 'localhost:9092',
      'format' = 'json'
    );
    EXECUTE STATEMENT SET
    BEGIN
      INSERT INTO pageview_sink SELECT page_id, count(1) FROM page_views GROUP BY page_id;
      INSERT INTO uv_sink SELECT page_id, count(DISTINCT user_id) FROM page_views GROUP BY page_id;
    END;
    RESET 'table.local-time-zone';
    RESET;`);
  assert.deepEqual(s.map((x) => x.kind), ['Set', 'Set', 'CreateTable', 'StatementSet', 'Reset', 'Reset']);
});
