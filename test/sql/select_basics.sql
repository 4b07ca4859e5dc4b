-- Projection, filter, expressions, UNION ALL, views and CTEs.
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

CREATE VIEW big_orders AS SELECT order_id, customer, amount FROM orders WHERE amount >= 15;

-- name: project_filter
SELECT order_id, UPPER(customer) AS who, amount * 2 + 1 AS a2, price * 2 AS p2,
       CASE WHEN amount > 10 THEN 'big' ELSE 'small' END AS size, amount IS NULL AS no_amount
FROM orders
WHERE order_id % 3 = 0 OR amount IS NULL;

-- name: union_all
SELECT order_id, 'low' AS band FROM orders WHERE amount < 5
UNION ALL
SELECT order_id, 'high' AS band FROM orders WHERE amount > 17;

-- name: view
SELECT customer, amount FROM big_orders WHERE customer <> 'bob';

-- name: cte_subquery
WITH ranked AS (SELECT customer, amount, order_id FROM orders WHERE amount IS NOT NULL)
SELECT t.customer, t.x FROM (SELECT customer, amount + order_id AS x FROM ranked) AS t WHERE t.x > 50;

-- name: tvf_rows
SELECT order_id, window_start, window_end
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND))
WHERE order_id < 6;
