-- Edge cases: integer overflow, DOUBLE text, CHAR padding, GREATEST/LEAST, type widening in CASE and UNION, epoch conversions, hashes.
CREATE TABLE t (
  id   INT,
  s    STRING,
  n    STRING,
  i    INT,
  b    BIGINT,
  d    DOUBLE,
  m    DECIMAL(10, 3),
  flag BOOLEAN,
  ts   TIMESTAMP(3),
  dstr STRING,
  js   STRING
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/scalars.json',
  'format' = 'json'
);

-- name: overflow_and_double_text
SELECT id, i + 1 AS i_plus, i * 2 AS i_times, -i AS i_neg, CAST(i AS BIGINT) * 2 AS big_times,
       CAST(d * 1000000 AS STRING) AS d_million, CAST(d / 1000 AS STRING) AS d_milli, CAST(d * 123456789 AS STRING) AS d_big,
       CAST(CAST(i AS FLOAT) / 3 AS STRING) AS f_third, CAST(m * 1000000 AS STRING) AS m_million
FROM t;

-- name: char_greatest_case
SELECT id, CAST(s AS CHAR(6)) AS s6, CHAR_LENGTH(CAST(n AS CHAR(6))) AS n6_len, CAST(s AS VARCHAR(4)) AS s4,
       GREATEST(i, CAST(b AS INT), 3) AS g, LEAST(d, 0.5e0) AS l, GREATEST(s, n) AS gs,
       CASE WHEN i > 0 THEN i ELSE m END AS case_widen, CASE WHEN flag THEN 'yes' ELSE 'no' END AS yn,
       COALESCE(CAST(i AS DOUBLE), m) AS coalesce_widen
FROM t;

-- name: epoch_and_hashes
SELECT id, UNIX_TIMESTAMP(CAST(ts AS STRING)) AS unix_ts, FROM_UNIXTIME(b / 1000000) AS from_unix,
       UNIX_TIMESTAMP(dstr, 'yyyy-MM-dd') AS unix_day, TO_TIMESTAMP_LTZ(b, 3) AS ltz_ms,
       MD5(s) AS md5_s, SHA256(n) AS sha_n, CHR(i + 64) AS chr_i, ASCII(s) AS ascii_s,
       LEFT(s, 3) AS left3, RIGHT(s, 3) AS right3, REVERSE(s) AS rev, LOCATE('o', s, 6) AS loc
FROM t;

-- name: union_widening
SELECT id, i AS v, 'int' AS src FROM t WHERE id <= 3
UNION ALL
SELECT id, b, 'bigint-long' FROM t WHERE id > 5
UNION ALL
SELECT id, CAST(NULL AS INT), 'null' FROM t WHERE id = 4;
