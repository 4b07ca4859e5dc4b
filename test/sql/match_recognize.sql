-- MATCH_RECOGNIZE: rows of each symbol in rowtime order (one row arrives out of order), greedy
-- quantifiers, aggregates in MEASURES, AFTER MATCH SKIP strategies, WITHIN.
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

-- name: mr_v_shape
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES
    START_ROW.ts AS start_ts,
    LAST(PRICE_DOWN.ts) AS bottom_ts,
    LAST(PRICE_UP.ts) AS end_ts
  ONE ROW PER MATCH
  AFTER MATCH SKIP TO LAST PRICE_UP
  PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
  DEFINE
    PRICE_DOWN AS (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price)
      OR PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
    PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
) AS t;

-- name: mr_aggregates
SELECT symbol, a_price, first_b, last_b, nb, sum_b, avg_b, min_b, max_b, c_ts, mt
FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES
    A.price AS a_price,
    FIRST(B.price) AS first_b,
    LAST(B.price) AS last_b,
    COUNT(B.price) AS nb,
    SUM(B.price) AS sum_b,
    AVG(B.price) AS avg_b,
    MIN(B.price) AS min_b,
    MAX(B.price) AS max_b,
    C.ts AS c_ts,
    MATCH_ROWTIME() AS mt
  PATTERN (A B+ C)
  DEFINE
    A AS A.price >= 15,
    B AS B.price < 15,
    C AS C.price >= 15
);

-- name: mr_range_next_row
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES FIRST(A.ts) AS first_a, COUNT(A.price) AS na, LAST(A.price) AS last_a, B.price AS b_price
  AFTER MATCH SKIP TO NEXT ROW
  PATTERN (A{2,3} B)
  DEFINE
    A AS A.price < 15,
    B AS B.price >= 15
);

-- name: mr_within
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES A.ts AS a_ts, C.ts AS c_ts, COUNT(B.price) AS n_low
  PATTERN (A B* C) WITHIN INTERVAL '3' SECOND
  DEFINE
    A AS A.price > 18,
    B AS B.price <= 18,
    C AS C.price > 18
);

-- name: mr_reluctant_skip_to_last
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES FIRST(A.ts) AS a_ts, COUNT(B.price) AS nb, LAST(B.price) AS last_b, C.price AS c_price
  AFTER MATCH SKIP TO LAST B
  PATTERN (A B+? C)
  DEFINE
    A AS A.price < 15,
    B AS B.price < 20,
    C AS C.price > LAST(B.price) AND C.price > FIRST(A.price)
);

-- name: mr_reluctant_at_end
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol
  ORDER BY ts
  MEASURES A.price AS a_price, COUNT(B.price) AS nb, SUM(B.price) AS sum_b, MATCH_ROWTIME() AS mt
  PATTERN (A B{2,}?)
  DEFINE
    A AS A.price >= 19,
    B AS B.price < 20
);
