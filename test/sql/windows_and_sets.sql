-- Window offsets with HAVING, SELECT DISTINCT, three-way UNION ALL, views over views, window dedup keeping the last row, Top-N with ties.
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

CREATE VIEW priced AS SELECT order_id, customer, amount, price * amount AS total, ts FROM orders WHERE amount IS NOT NULL;
CREATE VIEW big_priced AS SELECT customer, order_id, total FROM priced WHERE total > 500;

-- name: hop_offset_having
SELECT window_start, window_end, customer, COUNT(*) AS cnt, SUM(amount) AS sum_amount
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND, INTERVAL '2' SECOND))
GROUP BY window_start, window_end, customer
HAVING COUNT(*) >= 3;

-- name: cumulate_offset_having
SELECT window_start, window_end, COUNT(*) AS cnt, MAX(amount) AS max_amount
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '4' SECOND, INTERVAL '12' SECOND, INTERVAL '1' SECOND))
WHERE amount > 0
GROUP BY window_start, window_end
HAVING SUM(amount) > 40;

-- name: select_distinct_expr
SELECT DISTINCT customer, amount > 10 AS big FROM orders;

-- name: union_all_three
SELECT order_id, 'low' AS band FROM orders WHERE amount < 3
UNION ALL
SELECT order_id, 'null' AS band FROM orders WHERE amount IS NULL
UNION ALL
SELECT order_id, 'high' AS band FROM orders WHERE amount >= 19;

-- name: view_over_view
SELECT customer, COUNT(*) AS cnt, SUM(total) AS sum_total FROM big_priced GROUP BY customer;

-- name: window_dedup_last
SELECT window_start, window_end, customer, order_id, amount FROM (
  SELECT window_start, window_end, customer, order_id, amount,
         ROW_NUMBER() OVER (PARTITION BY window_start, window_end, customer ORDER BY ts DESC) AS rn
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
) WHERE rn = 1;

-- name: top_n_ties
SELECT customer, order_id, amount, rn FROM (
  SELECT customer, order_id, amount, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY amount DESC) AS rn
  FROM orders WHERE amount IS NOT NULL
) WHERE rn <= 2;
