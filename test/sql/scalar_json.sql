-- JSON functions: JSON_VALUE with RETURNING and DEFAULT, lax and strict paths, JSON_QUERY, JSON_EXISTS, JSON_OBJECT, JSON_ARRAY (wrapped in CONCAT so the runner reads them as strings).
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

-- name: json_value
SELECT id, JSON_VALUE(js, '$.a') AS a, JSON_VALUE(js, '$.b') AS b,
       JSON_VALUE(js, '$.z' RETURNING INT DEFAULT -1 ON EMPTY) AS z_int,
       JSON_VALUE(js, '$.b' DEFAULT 'dflt' ON EMPTY) AS b_dflt,
       JSON_VALUE(js, '$.c[1]' RETURNING INT) AS c1,
       JSON_VALUE(js, '$.d.e' RETURNING BOOLEAN) AS de, JSON_VALUE(js, '$[2].three' RETURNING INT) AS three,
       JSON_VALUE(js, '$.c' DEFAULT 'not scalar' ON ERROR) AS c_err, JSON_VALUE(js, 'strict $.z' DEFAULT 'strict' ON ERROR) AS z_strict
FROM t;

-- name: json_query_exists_object
SELECT id, JSON_QUERY(js, '$.c') AS c, JSON_QUERY(js, '$.d') AS d, JSON_QUERY(js, '$.a' WITH CONDITIONAL ARRAY WRAPPER) AS a_wrapped,
       JSON_EXISTS(js, '$.a') AS has_a, JSON_EXISTS(js, '$.c[0]') AS has_c0,
       CONCAT(JSON_OBJECT('id' VALUE id, 'name' VALUE s NULL ON NULL), '') AS obj,
       CONCAT(JSON_OBJECT('i' VALUE i, 'f' VALUE flag, 'd' VALUE d ABSENT ON NULL), '') AS obj_absent,
       CONCAT(JSON_ARRAY(i, s, flag), '') AS arr
FROM t;

-- name: json_lax_strict
-- Without a mode prefix the path is strict: missing paths, JSON nulls and non-JSON input are errors (ON ERROR); in lax mode they are empty (ON EMPTY).
SELECT id,
  JSON_VALUE(js, 'lax $.b' DEFAULT 'E' ON EMPTY DEFAULT 'R' ON ERROR) AS lax_b,
  JSON_VALUE(js, 'strict $.b' DEFAULT 'E' ON EMPTY DEFAULT 'R' ON ERROR) AS strict_b,
  JSON_VALUE(js, '$.b' DEFAULT 'E' ON EMPTY DEFAULT 'R' ON ERROR) AS none_b,
  JSON_VALUE(js, 'lax $.c' DEFAULT 'E' ON EMPTY DEFAULT 'R' ON ERROR) AS lax_c,
  JSON_QUERY(js, 'lax $.a' WITH CONDITIONAL ARRAY WRAPPER EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR) AS q_lax_a,
  JSON_QUERY(js, '$.a' WITH CONDITIONAL ARRAY WRAPPER EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR) AS q_none_a,
  JSON_QUERY(js, '$.c' EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR) AS q_none_c,
  JSON_QUERY(js, 'lax $.c' EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR) AS q_lax_c,
  JSON_QUERY(js, '$.b' EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR) AS q_none_b,
  JSON_EXISTS(js, 'lax $.b') AS e_lax_b, JSON_EXISTS(js, 'strict $.b') AS e_strict_b,
  JSON_EXISTS(js, 'strict $.b' TRUE ON ERROR) AS e_strict_b_t,
  CONCAT(JSON_OBJECT('i' VALUE i, 'f' VALUE flag ABSENT ON NULL), '') AS obj_s,
  CONCAT(JSON_OBJECT('z' VALUE s, 'a' VALUE d NULL ON NULL), '') AS obj_s2,
  CONCAT(JSON_ARRAY(i, s, flag), '') AS arr_s
FROM t;
