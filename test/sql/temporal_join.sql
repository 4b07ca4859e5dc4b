-- Event-time temporal join: each order joins the customer's tier valid at the order's time.
-- Orders are read in time order (see interval_join.sql for why).
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

CREATE TABLE tiers (
  name STRING,
  tier INT,
  ts   TIMESTAMP(3),
  PRIMARY KEY (name) NOT ENFORCED,
  WATERMARK FOR ts AS ts
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/tiers.json',
  'format' = 'json'
);

-- name: temporal_inner
SELECT o.order_id, o.customer, t.tier, o.amount * t.tier AS points
FROM orders AS o JOIN tiers FOR SYSTEM_TIME AS OF o.ts AS t ON o.customer = t.name;

-- name: temporal_left
SELECT o.order_id, t.tier
FROM orders AS o LEFT JOIN tiers FOR SYSTEM_TIME AS OF o.ts AS t ON t.name = o.customer;
