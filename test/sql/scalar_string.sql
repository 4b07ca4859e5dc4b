-- String functions over NULL, empty and padded strings.
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

-- name: regexp_split
SELECT id, REGEXP_EXTRACT(s, '([a-z]+)-([a-z]+)', 2) AS second_word, REGEXP_EXTRACT(s, '([0-9]+)') AS first_digits,
       REGEXP_EXTRACT(s, '[a-z]([0-9]+)', 1) AS after_letter, REGEXP_REPLACE(s, '[0-9]+', '#') AS no_digits,
       REGEXP_REPLACE(s, '(o)', '[$1]') AS marked, SPLIT_INDEX(s, '-', 1) AS part1, SPLIT_INDEX(s, '-', 5) AS part5,
       SPLIT_INDEX(s, '-', 0) AS part0
FROM t;

-- name: substring_trim_pad
SELECT id, SUBSTRING(s FROM 2 FOR 3) AS sub23, SUBSTRING(s FROM 4) AS sub4, SUBSTR(s, 1, 20) AS sub_long,
       TRIM(s) AS trimmed, TRIM(LEADING ' ' FROM s) AS ltrimmed, TRIM(TRAILING FROM s) AS rtrimmed,
       TRIM(BOTH 'x3' FROM s) AS trim_chars, LTRIM(s) AS l, RTRIM(s) AS r,
       LPAD(s, 8, '*') AS lpad8, RPAD(s, 4, 'ab') AS rpad4, LPAD(CAST(id AS STRING), 3, '0') AS id3
FROM t;

-- name: case_concat_position
SELECT id, UPPER(s) AS up, LOWER(s) AS low, INITCAP(s) AS cap, CHAR_LENGTH(s) AS len, CHARACTER_LENGTH(n) AS nlen,
       POSITION('o' IN s) AS pos_o, POSITION('' IN s) AS pos_empty, CONCAT_WS('|', s, n, CAST(i AS STRING)) AS ws,
       CONCAT(s, '!', n) AS cat, s || '#' AS piped, REPLACE(s, 'a', 'A') AS repl, REPEAT(n, 2) AS rep
FROM t;
