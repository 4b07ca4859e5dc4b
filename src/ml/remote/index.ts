/**
 * Models behind HTTP model servers (KServe v2 / Open Inference Protocol, TensorFlow Serving) and
 * stream operators that score with them: `scoreRemote` (every record, requests side by side, ordered
 * or not, with a fallback rule) and `twoTierScore` (a fast in-process model for every record, the heavy
 * remote model only for records whose fast score passes a threshold).
 */
export { RemoteModel, RemoteTimeoutError } from './remote-model.js';
export type { RemoteModelOptions, RemoteModelStats } from './remote-model.js';
export { KSERVE_V2, TF_SERVING, PROTOCOLS } from './protocol.js';
export type { RemoteDatatype, RemoteProtocol, RemoteInput, RemoteOutput, TensorMetadata } from './protocol.js';
export { chunkedAsyncOperator } from './chunked-async.js';
export type { ChunkedAsyncOptions } from './chunked-async.js';
export { asScorer, openScorer, scoringStats } from './scorer.js';
export type { Scorer, ScorerSource, ScoringStats } from './scorer.js';
export { scoreRemote, FALLBACK_LABEL } from './score-remote.js';
export type { ScoreRemoteOptions, Scored } from './score-remote.js';
export { twoTierScore, twoTierStats } from './two-tier.js';
export type { TwoTierOptions, TwoTierScored, TwoTierStats } from './two-tier.js';
