-- MATCH_RECOGNIZE, more shapes: optional and exact quantifiers, reluctant loops in the middle,
-- navigation offsets, expressions over measures, no PARTITION BY, filtering the match rows.
CREATE TABLE ticker (
  symbol STRING,
  price  INT,
  ts     TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = '${SCRIPT_DIR}/data/match_recognize_ticker.json',
  'format' = 'json'
);

-- name: mr_optional_exact
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES A.price AS a_price, COUNT(B.price) AS nb, FIRST(C.price) AS c1, FIRST(C.price, 1) AS c2, LAST(C.ts) AS end_ts
  PATTERN (A B? C{2})
  DEFINE
    A AS A.price >= 19,
    B AS B.price < 15,
    C AS C.price < 19
);

-- name: mr_reluctant_star
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES A.ts AS a_ts, C.ts AS c_ts, COUNT(B.price) AS nb, C.price - A.price AS diff
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A B*? C)
  DEFINE
    A AS A.price > 15,
    C AS C.price < A.price - 3
);

-- name: mr_no_partition
SELECT sym, ap, bp FROM ticker MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.symbol AS sym, A.price AS ap, B.price AS bp
  PATTERN (A B)
  DEFINE
    A AS A.price > 25,
    B AS B.price < A.price
) AS m
WHERE m.bp > 5;

-- name: mr_offsets_double
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES
    FIRST(B.price, 1) AS second_b,
    LAST(B.price, 2) AS third_last_b,
    AVG(CAST(B.price AS DOUBLE)) AS avg_b,
    MAX(B.price) - MIN(B.price) AS spread,
    LAST(C.price) AS c_price
  PATTERN (A B{3,}? C)
  DEFINE
    A AS A.price >= 20,
    B AS B.price < 20,
    C AS C.price >= 20
);

-- name: mr_past_last_row
SELECT symbol, a_price, nb, c_ts FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES A.price AS a_price, COUNT(B.price) AS nb, C.ts AS c_ts
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A B+ C)
  DEFINE
    A AS A.price >= 15,
    B AS B.price < 15,
    C AS C.price >= 15
);
