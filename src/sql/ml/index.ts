/**
 * Models in SQL: `CREATE MODEL` entries of a session and the `ML_PREDICT` table function, which
 * scores rows with an ONNX model inside the stream (one onnxruntime call per batch) and falls back
 * to a SQL expression when the model cannot score.
 *
 * @example
 * CREATE MODEL fraud INPUT (amount DOUBLE, n DOUBLE) OUTPUT (score DOUBLE)
 *   WITH ('provider' = 'onnx', 'path' = 'fraud.onnx', 'fallback' = 'CASE WHEN n > 5 THEN 0.9 ELSE 0.1 END', 'timeout' = '50ms');
 * SELECT * FROM ML_PREDICT(TABLE txns, MODEL fraud, DESCRIPTOR(amount, n_1m));
 */
export { createModel, dropModel, modelsOf, compileFallback, parseDurationMs, MODEL_OPTIONS } from './model-catalog.js';
export type { ModelColumn, ModelDefinition, ModelSource } from './model-catalog.js';
export { isMlPredict, planMlPredict, translateMlPredict, mlPredictSpec, SCORED_BY } from './ml-predict.js';
export type { MlPredictRel } from './ml-predict.js';
export { MlPredictOperator, mlPredictCounters, resetMlPredictCounters, FALLBACK } from './ml-predict-operator.js';
export type { MlPredictCounters, MlPredictSpec, MlScorer } from './ml-predict-operator.js';
