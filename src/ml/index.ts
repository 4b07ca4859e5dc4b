/** ONNX scoring and the model registry. */
export { OnnxModel } from './onnx-model.js';
export type { ElementType, ModelSignature, OnnxModelOptions, ScoreMapping, ScoredRow, ValueSignature } from './onnx-model.js';
export { ModelRegistry } from './model-registry.js';
export type { AbStage, ModelEntry, ModelRouting, ModelVersion, ModelWatch, PromoteOptions, RegisterOptions, WatchOptions } from './model-registry.js';
export { LiveModel } from './live-model.js';
export type { LiveModelOptions, RouteOptions } from './live-model.js';
export { ScoringTimeout, abBucket, runGroup, withTimeout } from './scoring-group.js';
export type { ScoringGroup, ScoringPath } from './scoring-group.js';
export { LATENCY_BUCKETS, modelMetrics, modelMetricsText } from './model-metrics.js';
export type { ScoringErrorKind, ScoringVariant } from './model-metrics.js';
export { MlPredictOperator, FALLBACK, mlPredictCounters, resetMlPredictCounters } from './predict-operator.js';
export type { MlPredictCounters, MlPredictSpec, MlScorer, ModelSource } from './predict-operator.js';
export { predict } from './predict.js';
export type { PredictOptions, Predicted } from './predict.js';
export { convertValue, parseColumnType, parseOutputColumns } from './column-types.js';
export type { ColumnKind, ColumnType, OutputColumn, OutputSource } from './column-types.js';
