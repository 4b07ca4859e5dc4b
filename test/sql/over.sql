-- OVER aggregations ordered by the rowtime: ROWS/RANGE frames, unbounded and bounded; late rows dropped.
CREATE TABLE orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/orders.json',
  'format' = 'json'
);

-- name: over_rows_unbounded
SELECT order_id, customer, ts, amount,
       SUM(amount) OVER w AS running_sum, COUNT(amount) OVER w AS running_cnt_amount,
       COUNT(*) OVER w AS running_cnt, AVG(amount) OVER w AS running_avg
FROM orders
WINDOW w AS (PARTITION BY customer ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- name: over_range_interval
SELECT order_id, customer, ts, amount,
       COUNT(*) OVER w AS cnt_5s, SUM(amount) OVER w AS sum_5s
FROM orders
WINDOW w AS (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW);

-- name: over_rows_preceding
SELECT order_id, MAX(amount) OVER (PARTITION BY customer ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS max3,
       MIN(price) OVER (PARTITION BY customer ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS min_price3
FROM orders;

-- name: over_range_unbounded_global
SELECT order_id, SUM(amount) OVER (ORDER BY ts) AS total_so_far FROM orders WHERE amount > 0;
