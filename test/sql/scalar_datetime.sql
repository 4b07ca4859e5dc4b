-- Date/time: EXTRACT, DATE_FORMAT, FLOOR/CEIL TO unit, TIMESTAMPADD/TIMESTAMPDIFF, TO_TIMESTAMP, TO_DATE, intervals.
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

-- name: extract_parts
SELECT id, EXTRACT(YEAR FROM ts) AS y, EXTRACT(MONTH FROM ts) AS mo, EXTRACT(DAY FROM ts) AS dd,
       EXTRACT(HOUR FROM ts) AS hh, EXTRACT(MINUTE FROM ts) AS mi, EXTRACT(SECOND FROM ts) AS ss,
       EXTRACT(DOW FROM ts) AS dow, EXTRACT(DOY FROM ts) AS doy, EXTRACT(QUARTER FROM ts) AS q,
       DAYOFWEEK(CAST(ts AS DATE)) AS dayofweek, DAYOFMONTH(ts) AS dom, YEAR(TO_DATE(dstr)) AS y2,
       HOUR(ts) AS h2, EXTRACT(WEEK FROM ts) AS wk
FROM t;

-- name: format_floor
SELECT id, DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm') AS f1, DATE_FORMAT(ts, 'dd/MM/yy HH:mm:ss.SSS') AS f2,
       DATE_FORMAT(dstr, 'yyyyMMdd') AS f3, DATE_FORMAT(CAST(ts AS STRING), 'HH:mm:ss.SSS') AS f4, FLOOR(ts TO HOUR) AS fl_hour, FLOOR(ts TO DAY) AS fl_day,
       CEIL(ts TO DAY) AS ce_day, FLOOR(ts TO MONTH) AS fl_month, FLOOR(ts TO MINUTE) AS fl_min
FROM t;

-- name: timestamp_arith
SELECT id, TIMESTAMPADD(HOUR, 5, ts) AS plus5h, TIMESTAMPADD(MONTH, 1, ts) AS plus1mo, TIMESTAMPADD(DAY, -1, ts) AS minus1d,
       TIMESTAMPDIFF(DAY, ts, TIMESTAMP '2024-03-01 00:00:00') AS diff_days,
       TIMESTAMPDIFF(MINUTE, TIMESTAMP '2024-01-01 00:00:00', ts) AS diff_min,
       TIMESTAMPDIFF(MONTH, ts, TIMESTAMP '2024-12-31 00:00:00') AS diff_months,
       ts + INTERVAL '1' DAY AS next_day, ts - INTERVAL '90' MINUTE AS minus90m,
       ts + INTERVAL '1-2' YEAR TO MONTH AS plus_ym, CAST(dstr AS DATE) + INTERVAL '1' MONTH AS date_plus_month,
       ts + INTERVAL '1 02:03:04.5' DAY TO SECOND AS plus_dts
FROM t;

-- name: to_timestamp_date
SELECT id, TO_TIMESTAMP(n) AS n_ts, TO_TIMESTAMP(dstr, 'yyyy-MM-dd') AS d_ts, TO_DATE(dstr) AS d_date,
       TO_TIMESTAMP('2024/05/06 07', 'yyyy/MM/dd HH') AS lit_ts
FROM t;
