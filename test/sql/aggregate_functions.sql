-- More unbounded GROUP BY aggregates: COUNT(DISTINCT), MIN/MAX of strings and timestamps, statistics, LISTAGG, FIRST_VALUE/LAST_VALUE, FILTER.
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

-- name: distinct_min_max
SELECT customer, COUNT(DISTINCT amount) AS amounts, COUNT(DISTINCT amount % 5) AS n_buckets,
       MIN(ts) AS first_ts, MAX(ts) AS last_ts, MIN(CAST(price AS STRING)) AS min_price_str,
       MAX(CAST(order_id AS STRING)) AS max_id_str
FROM orders
GROUP BY customer;

-- name: statistics
SELECT customer, STDDEV_POP(amount) AS sd_pop_int, STDDEV_POP(CAST(amount AS DOUBLE)) AS sd_pop,
       VAR_SAMP(CAST(amount AS DOUBLE)) AS v_samp, VAR_POP(CAST(amount AS DOUBLE)) AS v_pop,
       STDDEV_SAMP(CAST(amount AS DOUBLE)) AS sd_samp, AVG(CAST(amount AS BIGINT)) AS avg_big,
       AVG(CAST(amount AS DOUBLE)) AS avg_dbl, SUM(price) AS sum_price, AVG(price) AS avg_price
FROM orders
WHERE order_id <= 30
GROUP BY customer;

-- name: listagg_first_last
SELECT customer, LISTAGG(CAST(order_id AS STRING)) AS ids, LISTAGG(CAST(amount AS STRING), ';') AS amounts,
       FIRST_VALUE(amount) AS first_amount, LAST_VALUE(amount) AS last_amount
FROM orders
WHERE order_id BETWEEN 10 AND 30
GROUP BY customer;

-- name: filter_clause
SELECT customer, COUNT(*) FILTER (WHERE amount > 10) AS big, SUM(amount) FILTER (WHERE price < 50) AS cheap_amount,
       COUNT(DISTINCT amount) FILTER (WHERE price >= 50) AS pricey_amounts, MAX(price) FILTER (WHERE amount < 5) AS max_small,
       COUNT(amount) AS non_null
FROM orders
GROUP BY customer;

-- name: global_stats_over_empty_filter
SELECT COUNT(*) AS cnt, SUM(amount) FILTER (WHERE amount > 100) AS none_sum, MIN(customer) AS min_c, MAX(customer) AS max_c
FROM orders;
