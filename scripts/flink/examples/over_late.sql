-- Which OVER frames drop rows that arrive behind the watermark (see docs/flink-reference.md).
-- Watermark = ts - 2 s; input rows in arrival order: a@10, b@20 (wm 18), a@15, b@17, a@21.
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector'='filesystem','path'='${SCRIPT_DIR}/over_late.json','format'='json');
-- name: range
SELECT k, v, ts, COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '100' SECOND(3) PRECEDING AND CURRENT ROW) AS c FROM t;
-- name: rows_unb
SELECT k, v, ts, COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c FROM t;
-- name: rows_bnd
SELECT k, v, ts, COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS c FROM t;
-- name: range_unb
SELECT k, v, ts, COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c FROM t;
