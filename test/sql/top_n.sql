-- Top-N and deduplication with ROW_NUMBER, over insert-only and updating inputs, and per window.
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

-- name: top2_per_customer
SELECT customer, order_id, amount, rn FROM (
  SELECT customer, order_id, amount,
         ROW_NUMBER() OVER (PARTITION BY customer ORDER BY amount DESC, order_id ASC) AS rn
  FROM orders WHERE amount IS NOT NULL
) WHERE rn <= 2;

-- name: dedup_first
SELECT order_id, customer, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts ASC) AS row_num FROM orders
) WHERE row_num = 1;

-- name: dedup_last
SELECT order_id, customer FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts DESC) AS row_num FROM orders
) WHERE row_num = 1;

-- name: top_n_over_aggregate
SELECT customer, total FROM (
  SELECT customer, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rk
  FROM (SELECT customer, SUM(price) AS total FROM orders GROUP BY customer)
) WHERE rk < 3;

-- name: window_top_n
SELECT * FROM (
  SELECT window_start, window_end, customer, cnt,
         ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY cnt DESC, customer) AS rownum
  FROM (
    SELECT window_start, window_end, customer, COUNT(*) AS cnt
    FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, customer
  )
) WHERE rownum <= 1;
