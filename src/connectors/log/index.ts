/**
 * The embedded event log as a replayable source and an exactly-once sink of jobs.
 *
 * A log directory is locked by one process. The connectors of one process share one `Log` per
 * directory (`dir`), or use the `Log` the application opened (`log`); another process (such as
 * `weir topic produce`) cannot open the directory while a job holds it. Feed a running job from its
 * own process through the shared `Log`, or produce before the job starts. Worker-thread execution
 * (`threads: true`) cannot open a directory, since the lock does not tell threads apart.
 */
export { logSource } from './log-source.js';
export type { LogSourceOptions, LogStartFrom } from './log-source.js';
export { logSink } from './log-sink.js';
export type { LogSinkOptions } from './log-sink.js';
export type { LogLocation } from './shared-log.js';
