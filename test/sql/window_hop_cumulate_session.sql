-- Hopping, cumulating and session windows.
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

-- name: hop
SELECT window_start, window_end, customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end, customer;

-- name: cumulate
SELECT window_start, window_end, COUNT(*) AS cnt, SUM(amount) AS sum_amount, MAX(price) AS max_price
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
GROUP BY window_start, window_end;

-- name: session
SELECT window_start, window_end, window_time, customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(SESSION(TABLE orders PARTITION BY customer, DESCRIPTOR(ts), INTERVAL '3' SECOND))
GROUP BY window_start, window_end, window_time, customer;
