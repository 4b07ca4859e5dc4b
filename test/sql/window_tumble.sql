-- Tumbling window aggregation with every basic aggregate, DECIMAL sums and integer AVG.
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

-- name: tumble
SELECT window_start, window_end, window_time,
       COUNT(*) AS cnt, COUNT(amount) AS cnt_amount, SUM(amount) AS sum_amount,
       MIN(amount) AS min_amount, MAX(amount) AS max_amount, AVG(amount) AS avg_amount,
       AVG(CAST(amount AS DOUBLE)) AS avg_amount_double, SUM(price) AS sum_price, AVG(price) AS avg_price
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time;

-- name: tumble_keyed_named_args
SELECT customer, window_start, window_end, COUNT(*) AS cnt, SUM(amount) AS total
FROM TABLE(TUMBLE(DATA => TABLE orders, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '20' SECOND))
GROUP BY window_start, window_end, customer;

-- name: tumble_having_filter_distinct
SELECT window_start, window_end,
       COUNT(DISTINCT customer) AS customers,
       COUNT(*) FILTER (WHERE amount > 10) AS big_orders,
       SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
WHERE customer <> 'carol'
GROUP BY window_start, window_end
HAVING SUM(amount) > 20;

-- name: tumble_offset
SELECT window_start, window_end, COUNT(*) AS cnt
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '3' SECOND))
GROUP BY window_start, window_end;
