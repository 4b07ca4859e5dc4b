-- The peer of bench/keyed-window.ts in Apache Flink: keyBy → tumbling count over 100k keys, generated
-- in the JVM (datagen sequence), so neither engine pays for parsing input. Run with
--   scripts/flink/run-sql.py bench/flink/keyed-window.sql --define N=10000000 --sink blackhole --stats FILE
-- and once with N=1000 to subtract JVM start-up and planning (docs/flink-reference.md).
CREATE TABLE events (
  seq BIGINT,
  k AS CAST(MOD(seq * 2654435761, 100000) AS INT),
  ts AS TO_TIMESTAMP_LTZ(1700000000000 + seq / 10, 3),
  WATERMARK FOR ts AS ts
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '1000000000',
  'fields.seq.kind' = 'sequence',
  'fields.seq.start' = '0',
  'fields.seq.end' = '${N}'
);

-- name: keyed_window_count
SELECT k, window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '60' SECOND))
GROUP BY k, window_start, window_end;
