/** ONNX scoring and the model registry. */
export { OnnxModel } from './onnx-model.js';
export type { ElementType, ModelSignature, OnnxModelOptions, ScoreMapping, ScoredRow, ValueSignature } from './onnx-model.js';
export { ModelRegistry } from './model-registry.js';
export type { ModelEntry, ModelVersion, ModelWatch, RegisterOptions, WatchOptions } from './model-registry.js';
export { LiveModel } from './live-model.js';
export type { LiveModelOptions } from './live-model.js';
export { convertValue, parseColumnType, parseOutputColumns } from './column-types.js';
export type { ColumnKind, ColumnType, OutputColumn, OutputSource } from './column-types.js';
