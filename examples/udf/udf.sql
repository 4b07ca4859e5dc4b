-- User functions from a TypeScript module (udfs.ts): scalar, table and aggregate.
-- Run with: weir run examples/udf/udf.sql   (docs/udf.md explains the module contract)

CREATE TABLE orders (
  order_id INT,
  card STRING,
  country STRING,
  amount DOUBLE,
  qty INT,
  tags STRING,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${SCRIPT_DIR}/orders.json', 'format' = 'json');

-- The path is read from this file's directory; '#riskScore' names the export.
CREATE FUNCTION risk_score AS './udfs.ts#riskScore' LANGUAGE TYPESCRIPT;
-- Without '#', the export named like the function (ignoring case and '_'): maskCard.
CREATE TEMPORARY FUNCTION mask_card AS './udfs.ts';
CREATE FUNCTION split_tags AS './udfs.ts#splitTags';
CREATE FUNCTION weighted_avg AS './udfs.ts#weightedAvg';

SHOW USER FUNCTIONS;

-- name: scored
SELECT order_id, mask_card(card) AS card, risk_score(amount, country) AS risk
FROM orders;

-- name: tags
SELECT order_id, t.tag, t.pos
FROM orders LEFT JOIN LATERAL TABLE(split_tags(tags)) AS t ON TRUE;

-- name: per_country
SELECT country, weighted_avg(amount, qty) AS avg_amount
FROM orders
GROUP BY country;

-- name: per_window
SELECT window_start, weighted_avg(amount, qty) AS avg_amount, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
