-- Regular joins: inner, outer (NULL padding retracted when a partner arrives), residual conditions.
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

CREATE TABLE customers (name STRING, city STRING, tier INT) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/customers.json',
  'format' = 'json'
);

-- name: inner_join
SELECT o.order_id, o.customer, c.city, o.amount * c.tier AS weighted
FROM orders AS o JOIN customers AS c ON o.customer = c.name
WHERE o.order_id < 20;

-- name: left_join
SELECT o.order_id, c.city FROM orders o LEFT JOIN customers c ON o.customer = c.name;

-- name: right_join_residual
SELECT o.order_id, c.name, c.city
FROM orders o RIGHT JOIN customers c ON c.name = o.customer AND o.amount > 15;

-- name: full_join
SELECT o.order_id, c.name FROM orders o FULL OUTER JOIN customers c ON o.customer = c.name AND c.tier = 2;

-- name: join_then_aggregate
SELECT c.city, COUNT(*) AS n, SUM(o.amount) AS total
FROM orders o LEFT JOIN customers c ON o.customer = c.name
GROUP BY c.city;
