-- Interval joins: rows of the same key whose rowtimes are within bounds of each other. The input is in
-- time order: with late rows the result would depend on how the two sources interleave, in Flink too.
CREATE TABLE orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/orders_sorted.json',
  'format' = 'json'
);

CREATE TABLE later_orders (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/orders_sorted.json',
  'format' = 'json'
);

-- name: interval_between
SELECT a.order_id AS first_id, b.order_id AS next_id, a.customer
FROM orders a JOIN later_orders b
  ON a.customer = b.customer AND b.ts BETWEEN a.ts + INTERVAL '0.001' SECOND AND a.ts + INTERVAL '3' SECOND;

-- name: interval_comparisons
SELECT a.order_id, b.order_id AS other, b.amount
FROM orders a, later_orders b
WHERE a.customer = b.customer AND a.ts >= b.ts - INTERVAL '1' SECOND AND a.ts < b.ts + INTERVAL '1' SECOND
  AND a.order_id <> b.order_id;
