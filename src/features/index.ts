/** The online feature store on Redis: upsert sink, cached lookups and lookup joins, point-in-time export. */
export type { FeatureRow, FeatureValue, FeatureValues } from './feature-row.js';
export { redisFeatureSink } from './redis-feature-sink.js';
export type { FeatureSinkStats, RedisFeatureSinkOptions } from './redis-feature-sink.js';
export { FeatureLookup } from './feature-lookup.js';
export type { FeatureFetch, FeatureLookupOptions, FeatureLookupStats, FeatureSource } from './feature-lookup.js';
export { LookupJoinOperator, lookupJoin } from './lookup-join.js';
export type { Enriched, LookupJoinOptions } from './lookup-join.js';
export { MemoryFeatureHistory, RedisFeatureHistory } from './feature-history.js';
export type { AsOfQuery, FeatureHistory, RedisFeatureHistoryOptions } from './feature-history.js';
export { exportTrainingData } from './export.js';
export type { ExportOptions, ExportResult, LabelRow } from './export.js';
export { TtlLruCache } from './lru-cache.js';
export type { CacheStats } from './lru-cache.js';
