-- Session window edges (gap 3 s, watermark = ts - 2 s). Arrival order: a@0, a@3 (exactly one
-- gap after a@0), a@9, then b@0 and b@2.999 (both behind watermark 7: their sessions end
-- before it, so they are late), a@20 and a@23.001 (1 ms more than the gap).
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector'='filesystem','path'='${SCRIPT_DIR}/session_edge.json','format'='json');

-- name: session_edge
SELECT k, window_start, window_end, COUNT(*) AS cnt, SUM(v) AS sum_v
FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '3' SECOND))
GROUP BY k, window_start, window_end;
