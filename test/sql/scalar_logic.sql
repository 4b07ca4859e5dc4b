-- NULL handling: COALESCE, NULLIF, IF, CASE, three-valued AND/OR/NOT, IN/NOT IN with NULLs, BETWEEN, LIKE, SIMILAR TO.
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

-- name: null_functions
SELECT id, COALESCE(s, n, 'none') AS c1, COALESCE(i, b) AS c2, NULLIF(i, 0) AS nz, NULLIF(s, '') AS ne,
       IF(i > 0, 'pos', 'nonpos') AS sign_i, IF(flag, i, -i) AS if_flag,
       CASE WHEN i > 10 THEN 'big' WHEN i > 0 THEN NULL ELSE 'small' END AS case_searched,
       CASE i WHEN 7 THEN 'seven' WHEN -7 THEN 'minus seven' END AS case_simple,
       CASE WHEN flag THEN m ELSE NULL END AS case_dec
FROM t;

-- name: three_valued_logic
SELECT id, flag AND i > 0 AS f_and, flag OR i > 0 AS f_or, NOT flag AS f_not, flag IS TRUE AS is_t,
       flag IS NOT FALSE AS is_not_f, flag IS UNKNOWN AS is_unknown, (i > 0) IS NULL AS cmp_null,
       flag = TRUE AS eq_true, flag <> (i > 0) AS ne_cmp, flag IS DISTINCT FROM (i > 0) AS distinct_cmp
FROM t;

-- name: in_between
SELECT id, i IN (7, 15, CAST(NULL AS INT)) AS in_null, i NOT IN (7, CAST(NULL AS INT)) AS not_in_null,
       i IN (0, 100) AS in_plain, i NOT IN (0, 100) AS not_in_plain, s IN ('', 'a%b_c') AS s_in,
       i BETWEEN -1 AND 15 AS btw, i NOT BETWEEN 0 AND 10 AS not_btw, i BETWEEN SYMMETRIC 15 AND 0 AS btw_sym,
       ts BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND TIMESTAMP '2024-03-31 00:00:00' AS ts_btw
FROM t;

-- name: like_similar
SELECT id, s LIKE '%o%' AS has_o, s LIKE '_____ w%' AS five_w, s LIKE 'a\%b\_c' ESCAPE '\' AS esc,
       s LIKE 'a!%%' ESCAPE '!' AS esc_bang, s NOT LIKE '%a%' AS no_a, s LIKE '' AS empty_like,
       s SIMILAR TO '[a-z]+(-[a-z]+)*' AS dashed, s SIMILAR TO 'x[0-9]+%' AS x_digits,
       s SIMILAR TO '%(SQL|sql)%' AS has_sql
FROM t;

-- name: where_three_valued
SELECT id, i, flag FROM t WHERE NOT (i > 0 AND flag) OR (flag IS NULL AND i IS NULL);
