-- weir demo fraud: card transactions in, fraud alerts out.
--
-- `weir demo fraud` writes the seeded fraud generator's transactions (src/fraud/generator.ts) as JSON
-- records keyed by card into topic `transactions` of an embedded log while this job runs, and the
-- job writes its alerts to topic `fraud_alerts` of the same log. The demo also watches the alerts as
-- they are written (for latency and precision/recall) and ends the job once all generated
-- transactions are read. `{{model_path}}` is replaced by the path of the shipped model
-- (src/demo/fraud/model/fraud.onnx), `{{log_path}}` by the log directory.

CREATE TABLE transactions (
  txn_id STRING,
  card_id STRING,
  amount DOUBLE,
  country STRING,
  mcc STRING,
  ts TIMESTAMP(3),
  -- Wall-clock ms when the event was written to the log; carried through to measure event-to-alert latency.
  ingest_ms BIGINT,
  -- The generator emits in event-time order, and a card's events stay in one partition in that
  -- order, so the watermark (the least over partitions) can follow the events closely.
  WATERMARK FOR ts AS ts - INTERVAL '0.1' SECOND
) WITH (
  'connector' = 'log',
  'path' = '{{log_path}}',
  'topic' = 'transactions',
  'format' = 'json',
  'scan.startup.mode' = 'earliest-offset'
);

CREATE TABLE fraud_alerts (
  txn_id STRING,
  card_id STRING,
  amount DOUBLE,
  ts TIMESTAMP(3),
  score DOUBLE,
  scored_by STRING,
  ingest_ms BIGINT
) WITH (
  'connector' = 'log',
  'path' = '{{log_path}}',
  'topic' = 'fraud_alerts',
  'format' = 'json',
  'key.fields' = 'card_id',
  -- The demo takes no checkpoints, so alerts are appended as they come rather than in transactions.
  'sink.delivery-guarantee' = 'at-least-once'
);

-- Velocity: transactions of the card in the last minute (card testing bursts).
CREATE VIEW card_velocity AS
SELECT txn_id, card_id, amount, country, ts, ingest_ms,
  COUNT(*) OVER w AS txn_count_1m
FROM transactions
WINDOW w AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW);

-- Spend and geography over the last hour, and how this amount compares with the card's average.
-- One OVER window per query (as in Flink), hence two views.
CREATE VIEW card_features AS
SELECT txn_id, card_id, amount, ts, ingest_ms,
  CAST(txn_count_1m AS DOUBLE) AS txn_count_1m,
  SUM(amount) OVER w AS amount_sum_1h,
  CAST(COUNT(DISTINCT country) OVER w AS DOUBLE) AS distinct_countries_1h,
  amount / AVG(amount) OVER w AS amount_avg_ratio
FROM card_velocity
WINDOW w AS (PARTITION BY card_id ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW);

-- Trained by examples/fraud/train.py on features this script computed over generated data.
-- When the model cannot score (missing file, error, timeout, bad row) the rules below do; they
-- catch about as much fraud but raise about twice as many false alerts as the model.
CREATE MODEL fraud_model
INPUT (amount DOUBLE, txn_count_1m DOUBLE, amount_sum_1h DOUBLE, distinct_countries_1h DOUBLE, amount_avg_ratio DOUBLE)
OUTPUT (score DOUBLE)
WITH (
  'provider' = 'onnx',
  'path' = '{{model_path}}',
  'fallback' = 'CASE WHEN txn_count_1m >= 6 OR distinct_countries_1h >= 4 OR amount_avg_ratio >= 6 THEN 0.9 ELSE 0.05 END',
  'timeout' = '500ms'
);

INSERT INTO fraud_alerts
SELECT txn_id, card_id, amount, ts, score, scored_by, ingest_ms
FROM ML_PREDICT(TABLE card_features, MODEL fraud_model,
  DESCRIPTOR(amount, txn_count_1m, amount_sum_1h, distinct_countries_1h, amount_avg_ratio))
WHERE score > 0.8;
