-- Window aggregates beyond COUNT/SUM: string and timestamp MIN/MAX, LISTAGG, statistics and DECIMAL AVG in windows; GROUP BY a CASE expression.
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

-- name: tumble_strings_listagg
SELECT window_start, window_end, MIN(customer) AS min_c, MAX(customer) AS max_c, MAX(ts) AS last_ts,
       LISTAGG(customer, '/') AS customers, COUNT(DISTINCT customer) FILTER (WHERE amount > 5) AS big_customers
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;

-- name: cumulate_statistics
SELECT window_start, window_end, customer, STDDEV_POP(CAST(amount AS DOUBLE)) AS sd, VAR_SAMP(CAST(amount AS DOUBLE)) AS vs,
       SUM(price) AS total, AVG(price) AS avg_price, MIN(price) AS min_price
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
GROUP BY window_start, window_end, customer;

-- name: group_by_case
SELECT CASE WHEN amount > 10 THEN 'big' WHEN amount IS NULL THEN 'unknown' ELSE 'small' END AS bucket,
       COUNT(*) AS cnt, SUM(price) AS total, MIN(order_id) AS first_id, AVG(CAST(amount AS DOUBLE)) AS avg_amount
FROM orders
GROUP BY CASE WHEN amount > 10 THEN 'big' WHEN amount IS NULL THEN 'unknown' ELSE 'small' END
HAVING COUNT(*) >= 1;
