/**
 * weir: a real-time analytics engine for Node.js. This module is the public API; anything not exported
 * here may change between versions.
 */
export { WeirError, UserError, ExternalError, errorMessage } from './core/errors.js';
export type { ErrorDomain } from './core/errors.js';
export { retry } from './core/retry.js';
export type { Batch } from './core/batch.js';
export type { Key, KeyLike } from './core/keys.js';
export { DEFAULT_MAX_PARALLELISM, keyGroupOf } from './core/keys.js';
export { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, formatTimestamp, parseDuration } from './core/time.js';

export { valueState, listState, mapState, reducingState, aggregatingState } from './state/descriptors.js';
export type {
  AggregateFunction, StateTtlConfig, ValueState, ListState, MapState, ReducingState, AggregatingState,
} from './state/descriptors.js';

export { OutputTag } from './operators/operator.js';
export type { StreamOperator, TwoInputStreamOperator, Output, OperatorContext, Collector } from './operators/operator.js';
export type { KeyedProcessFunction, KeyedProcessContext, OnTimerContext, TimerService, KeyedRuntimeContext } from './operators/keyed-process.js';
export type { ProcessFunction, ProcessContext } from './operators/process.js';
export type { KeyedCoProcessFunction } from './operators/co-process.js';
export type { ProcessJoinContext } from './operators/interval-join.js';
export { OperatorHarness, TwoInputHarness } from './operators/testing/harness.js';

export { WatermarkStrategies } from './runtime/watermarks.js';
export type { WatermarkStrategy, WatermarkGenerator } from './runtime/watermarks.js';
export type { Source, SourceReader, SourceBatch } from './runtime/source.js';
export { fromArray, fromGenerator, fromAsyncIterable } from './runtime/source.js';
export type { Sink, SinkWriter, CollectedRecord } from './runtime/sink.js';
export { CollectSink, printSink, sinkTo, discardSink } from './runtime/sink.js';
export type { JobHandle, JobResult } from './runtime/executor.js';

export { StreamExecutionEnvironment, defineJob } from './api/environment.js';
export type { EnvironmentOptions, JobDefinition } from './api/environment.js';
export { DataStream, KeyedStream, ConnectedStreams } from './api/datastream.js';
export { WindowedStream } from './api/windowed.js';

export {
  TimeWindow, GlobalWindow,
  tumblingEventTimeWindows, tumblingProcessingTimeWindows, slidingEventTimeWindows, slidingProcessingTimeWindows,
  eventTimeSessionWindows, processingTimeSessionWindows, dynamicEventTimeSessionWindows, dynamicProcessingTimeSessionWindows,
  cumulateEventTimeWindows, cumulateProcessingTimeWindows, globalWindows,
  eventTimeTrigger, processingTimeTrigger, countTrigger, purging, continuousEventTimeTrigger,
  WindowOperator,
} from './windows/index.js';
export type { Window, WindowAssigner, Trigger, TriggerResult, TriggerContext, ProcessWindowFunction, ProcessWindowContext } from './windows/index.js';

// SQL from TypeScript: Flink's TableEnvironment / StreamTableEnvironment (see docs/sql-api.md).
export { TableEnvironment, StreamTableEnvironment } from './sql/table-environment.js';
export type {
  TableEnvironmentOptions, TableResult, ResultColumn, ChangelogRow, RowKind, ScriptRunOptions, DataStreamSchema,
} from './sql/table-environment.js';
export { registerConnector } from './connectors/registry.js';
export type { TableConnector, ConnectorContext, SinkContext, ColumnSchema, OptionSchema, OptionSpec, Row, ChangeRow } from './connectors/registry.js';
export { SqlParseError, formatSqlError } from './sql/parser/index.js';

// Models in the stream: ONNX in process, remote model servers, the registry (see docs/models.md).
export { OnnxModel, ModelRegistry, LiveModel, predict } from './ml/index.js';
export type {
  OnnxModelOptions, ModelSignature, ScoreMapping, ScoredRow, ModelEntry, ModelVersion, ModelRouting, PromoteOptions,
  RegisterOptions, LiveModelOptions, PredictOptions, Predicted,
} from './ml/index.js';
export { RemoteModel, RemoteTimeoutError, scoreRemote, twoTierScore } from './ml/remote/index.js';
export type { RemoteModelOptions, ScoreRemoteOptions, Scored, TwoTierOptions, TwoTierScored } from './ml/remote/index.js';

// The online feature store on Redis (see DEVELOPERS.md "The feature store by hand").
export { redisFeatureSink, FeatureLookup, lookupJoin, RedisFeatureHistory, exportTrainingData } from './features/index.js';
export type { RedisFeatureSinkOptions, FeatureLookupOptions, LookupJoinOptions, Enriched, ExportOptions, LabelRow } from './features/index.js';
