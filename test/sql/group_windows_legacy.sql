-- Legacy group windows: GROUP BY TUMBLE/HOP/SESSION(time_attr, ...) with their auxiliary functions.
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

-- name: tumble_keyed
SELECT customer,
       TUMBLE_START(ts, INTERVAL '10' SECOND) AS wstart,
       TUMBLE_END(ts, INTERVAL '10' SECOND) AS wend,
       TUMBLE_ROWTIME(ts, INTERVAL '10' SECOND) AS wtime,
       COUNT(*) AS cnt, SUM(amount) AS total
FROM orders
GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), customer;

-- name: hop_having
SELECT HOP_START(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND) AS wstart,
       HOP_END(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND) AS wend,
       MAX(amount) AS max_amount, SUM(price) AS sum_price
FROM orders
WHERE amount > 0
GROUP BY HOP(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND)
HAVING COUNT(*) > 1;

-- name: session_per_customer
SELECT customer, COUNT(*) AS cnt,
       SESSION_START(ts, INTERVAL '5' SECOND) AS sstart,
       SESSION_END(ts, INTERVAL '5' SECOND) AS send
FROM orders
GROUP BY customer, SESSION(ts, INTERVAL '5' SECOND);

-- name: tumble_of_tumble_rowtime
SELECT TUMBLE_START(wtime, INTERVAL '30' SECOND) AS wstart, SUM(cnt) AS cnt
FROM (
  SELECT TUMBLE_ROWTIME(ts, INTERVAL '10' SECOND) AS wtime, COUNT(*) AS cnt
  FROM orders
  GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)
)
GROUP BY TUMBLE(wtime, INTERVAL '30' SECOND);
