-- CAST and TRY_CAST between strings, numbers, DECIMAL, BOOLEAN, DATE and TIMESTAMP, over NULL-heavy rows.
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

-- name: try_cast_from_string
SELECT id, TRY_CAST(n AS INT) AS n_int, TRY_CAST(n AS BIGINT) AS n_bigint, TRY_CAST(n AS DOUBLE) AS n_double,
       TRY_CAST(n AS DECIMAL(10, 2)) AS n_dec, TRY_CAST(n AS BOOLEAN) AS n_bool,
       TRY_CAST(n AS TIMESTAMP(3)) AS n_ts, TRY_CAST(dstr AS DATE) AS d_date, TRY_CAST(s AS DATE) AS s_date
FROM t;

-- name: cast_to_string
SELECT id, CAST(i AS STRING) AS i_str, CAST(b AS STRING) AS b_str, CAST(d AS STRING) AS d_str,
       CAST(m AS STRING) AS m_str, CAST(flag AS STRING) AS flag_str, CAST(ts AS STRING) AS ts_str,
       CAST(CAST(ts AS DATE) AS STRING) AS date_str, CAST(i AS VARCHAR(3)) AS i_short
FROM t;

-- name: cast_numeric
SELECT id, CAST(d AS INT) AS d_int, CAST(m AS INT) AS m_int, CAST(m AS DOUBLE) AS m_double,
       CAST(i AS DECIMAL(12, 1)) AS i_dec, CAST(d AS DECIMAL(14, 2)) AS d_dec, CAST(m AS DECIMAL(5, 1)) AS m_dec,
       CAST(b AS DOUBLE) AS b_double, CAST(i AS BIGINT) * 3 AS i_big3, CAST(flag AS INT) AS flag_int,
       CAST(i AS BOOLEAN) AS i_bool
FROM t;

-- name: cast_temporal
SELECT id, CAST(dstr AS DATE) AS d, CAST(ts AS DATE) AS ts_date,
       CAST(CAST(dstr AS DATE) AS TIMESTAMP(3)) AS day_start, CAST(ts AS TIMESTAMP(0)) AS ts0,
       CAST('2024-01-02 03:04:05.678' AS TIMESTAMP(3)) AS lit_ts, CAST(dstr || ' 12:00:00' AS TIMESTAMP(3)) AS noon
FROM t WHERE id <> 3;
