-- The same orders as CSV (order_id,customer,amount,price,ts; empty amount = NULL) and the same
-- TUMBLE query as tumble.sql: its output must equal expected/tumble.ndjson.
-- Without 'csv.null-literal' = '' Flink fails on the empty amount:
--   "Fail to deserialize at field: amount." / NumberFormatException: For input string: ""
CREATE TABLE orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/orders.csv',
  'format' = 'csv',
  'csv.null-literal' = ''
);

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
