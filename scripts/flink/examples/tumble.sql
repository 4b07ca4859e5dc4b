-- Reference queries over orders.json (54 rows, out of order by up to 2 s, 4 late rows,
-- one NULL amount). Run:
--   scripts/flink/run-sql.py scripts/flink/examples/tumble.sql --out-dir scripts/flink/examples/expected
-- Outputs are explained in docs/flink-reference.md.

CREATE TABLE orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/orders.json',
  'format' = 'json'
);

-- name: watermark
-- What each row sees: the watermark before it (NULL until the first one), and whether its
-- 10 s tumbling window had already fired (window_end - 1 ms <= watermark), i.e. it is late.
SELECT order_id, ts, window_start, window_end, CURRENT_WATERMARK(ts) AS wm,
       COALESCE(window_end - INTERVAL '0.001' SECOND <= CURRENT_WATERMARK(ts), FALSE) AS late
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND));

-- name: tumble
SELECT window_start, window_end, window_time,
       COUNT(*)      AS cnt,
       COUNT(amount) AS cnt_amount,
       SUM(amount)   AS sum_amount,
       MIN(amount)   AS min_amount,
       MAX(amount)   AS max_amount,
       AVG(amount)   AS avg_amount,
       AVG(CAST(amount AS DOUBLE)) AS avg_amount_double,
       SUM(price)    AS sum_price,
       AVG(price)    AS avg_price
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time;

-- name: nulls
-- A window whose only rows have a NULL amount: what each aggregate returns.
SELECT window_start, window_end,
       COUNT(*) AS cnt, COUNT(amount) AS cnt_amount, SUM(amount) AS sum_amount,
       MIN(amount) AS min_amount, AVG(amount) AS avg_amount
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
WHERE amount IS NULL
GROUP BY window_start, window_end;

-- name: hop
SELECT window_start, window_end, customer,
       COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end, customer;

-- name: session
SELECT window_start, window_end, window_time, customer,
       COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(SESSION(TABLE orders PARTITION BY customer, DESCRIPTOR(ts), INTERVAL '3' SECOND))
GROUP BY window_start, window_end, window_time, customer;

-- name: cumulate
SELECT window_start, window_end,
       COUNT(*) AS cnt, SUM(amount) AS sum_amount, MAX(price) AS max_price
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
GROUP BY window_start, window_end;

-- name: over
-- Running aggregates per customer in event-time order (late rows are dropped here too).
SELECT order_id, customer, ts, amount,
       SUM(amount) OVER w AS running_sum,
       COUNT(amount) OVER w AS running_cnt_amount,
       COUNT(*)    OVER w AS running_cnt,
       AVG(amount) OVER w AS running_avg
FROM orders
WINDOW w AS (PARTITION BY customer ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- name: over_range
-- Flink allows only one window per OVER query, so the RANGE frame is a query of its own.
SELECT order_id, customer, ts, amount,
       COUNT(*)    OVER w AS cnt_5s,
       SUM(amount) OVER w AS sum_5s
FROM orders
WINDOW w AS (PARTITION BY customer ORDER BY ts
             RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW);

-- name: groupby
-- Unwindowed aggregation: an updating result, so the changelog has -U/+U pairs.
SELECT customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount, AVG(amount) AS avg_amount
FROM orders
GROUP BY customer;
