/**
 * weir's Flink SQL planner: turns a parsed script into DataStream jobs.
 *
 * @example
 * import { planScript } from './sql/planner/index.js';
 * const { jobs } = planScript(sqlText);
 */
export { planScript, planScriptAsync } from './script.js';
export type { BuildOptions, PlannedScript, ScriptOptions, ScriptStep, SqlJob, SqlJobSink } from './script.js';
export { describeSqlError, planError, unsupported } from './errors.js';
export { explainRel, describeWindow } from './logical.js';
export type { Rel, WindowDef } from './logical.js';
export { QueryPlanner } from './query-planner.js';
export { windowsOf } from './physical.js';
