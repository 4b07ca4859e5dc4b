-- Timing query over a big NDJSON file made by scripts/flink/gen-orders.py. Run:
--   scripts/flink/gen-orders.py 1000000 > /tmp/orders-1m.json
--   scripts/flink/run-sql.py scripts/flink/examples/bench-tumble.sql \
--     --define INPUT=/tmp/orders-1m.json --sink blackhole --stats /tmp/stats.json
-- Per-query wall_s / jvm_cpu_s are in the stats (see docs/flink-reference.md).

CREATE TABLE orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${INPUT}',
  'format' = 'json'
);

-- name: scan
SELECT * FROM orders;

-- name: tumble
SELECT window_start, window_end,
       COUNT(*) AS cnt, SUM(amount) AS sum_amount, MIN(amount) AS min_amount,
       MAX(amount) AS max_amount, AVG(amount) AS avg_amount, SUM(price) AS sum_price
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;

-- name: tumble_by_customer
SELECT window_start, window_end, customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, customer;
