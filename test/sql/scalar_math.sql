-- Math: rounding, division on INT/DECIMAL/DOUBLE, MOD, POWER, and DECIMAL precision and scale.
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

-- name: rounding
SELECT id, ROUND(d, 1) AS rd1, ROUND(m, 2) AS rm2, ROUND(m) AS rm0, ROUND(i, -1) AS ri_neg,
       TRUNCATE(m, 1) AS tm1, TRUNCATE(d) AS td, CEIL(d) AS cd, FLOOR(d) AS fd, CEIL(m) AS cm, FLOOR(m) AS fm,
       ABS(i) AS ai, ABS(m) AS am, SIGN(d) AS sd
FROM t;

-- name: division_mod_power
SELECT id, i / 2 AS int_div, i / 4.0 AS int_dec_div, d / 2 AS dbl_div, b / 3 AS big_div, i / 2.0e0 AS int_dbl_div,
       MOD(i, 4) AS mod4, i % 3 AS pct3, MOD(-9, i) AS mod_neg, POWER(d, 2) AS pow2, POWER(ABS(i), 0.5e0) AS sqrt_i,
       SQRT(ABS(d)) AS sqrt_d, b * 2 AS b2
FROM t WHERE i IS NULL OR i <> 0;

-- name: decimal_arith
SELECT id, m + 1 AS m_plus, m * m AS m_sq, m * 2.5 AS m_mul, m - CAST(1.25 AS DECIMAL(5, 2)) AS m_minus,
       m / 7 AS m_div7, m / CAST(3 AS DECIMAL(3, 0)) AS m_div3, m + d AS m_plus_d, m * 3 AS m_int,
       CAST(m AS DECIMAL(6, 1)) * 10 AS m_round_mul, -m AS m_neg, m > 1.5 AS m_gt
FROM t;
