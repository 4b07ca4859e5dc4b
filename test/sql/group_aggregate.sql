-- Unbounded GROUP BY: an updating result (+I/-U/+U), DISTINCT, aggregates over a changelog.
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

-- name: groupby
SELECT customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount, AVG(amount) AS avg_amount, MAX(price) AS max_price
FROM orders
GROUP BY customer;

-- name: global_agg
SELECT COUNT(*) AS cnt, COUNT(DISTINCT customer) AS customers, SUM(price) AS revenue FROM orders;

-- name: distinct
SELECT DISTINCT customer FROM orders;

-- name: having_expr_key
SELECT order_id % 3 AS bucket, COUNT(*) AS cnt
FROM orders
GROUP BY order_id % 3
HAVING COUNT(*) > 10;

-- name: agg_of_agg
SELECT cnt, COUNT(*) AS customers
FROM (SELECT customer, COUNT(*) AS cnt FROM orders GROUP BY customer)
GROUP BY cnt;
