-- Computed columns, watermark on a computed column, CSV source, INSERT INTO and statement sets.
CREATE TABLE orders_csv (
  order_id INT,
  customer STRING,
  amount   INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  total AS price * 2,
  ts2 AS ts + INTERVAL '1' SECOND,
  WATERMARK FOR ts2 AS ts2 - INTERVAL '1' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/orders.csv',
  'format' = 'csv',
  'csv.null-literal' = ''
);

CREATE TABLE out_print (id INT, who STRING, total DECIMAL(10, 2)) WITH ('connector' = 'print');
CREATE TABLE out_black (who STRING, n BIGINT) WITH ('connector' = 'blackhole');

-- name: computed
SELECT order_id, customer, total, ts2 FROM orders_csv;

-- name: insert_print
INSERT INTO out_print SELECT order_id, customer, total FROM orders_csv WHERE amount IS NOT NULL;

-- name: window_on_computed
SELECT window_start, COUNT(*) AS cnt
FROM TABLE(TUMBLE(TABLE orders_csv, DESCRIPTOR(ts2), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
