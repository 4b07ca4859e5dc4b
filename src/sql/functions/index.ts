/**
 * weir's SQL function library: the `FunctionCatalog` (built-in scalar and aggregate functions plus
 * user functions written in JS/TS), and the interfaces the expression compiler and the planner use.
 *
 * @example
 * import { FunctionCatalog } from './sql/functions/index.js';
 * const catalog = new FunctionCatalog();
 * const sum = catalog.resolveAggregate('SUM', [parseSqlType('DECIMAL(10, 2)')]);
 * const acc = sum.create(); sum.add(acc, [Decimal.parse('1.50')]); sum.result(acc) // 1.50, DECIMAL(38, 2)
 */
export {
  FunctionCatalog, type FunctionKind, type RegisterOptions, type TypeSpec, type UserScalarFunction, type UserAggregateFunction, type UserTableFunction,
} from './catalog.js';
export {
  FunctionModules, registerModuleFunction, parseFunctionIdentifier, resolveModulePath, type FunctionIdentifier, type FunctionLanguage,
} from './user-modules.js';
export type {
  ArgInfo, EvalContext, ScalarImpl, ScalarFunction, Accumulator, AggregateFunction, AggregateOptions, FlatAccumulator, TableFunction,
} from './define.js';
export { badArgs, anyNullable } from './define.js';
export { likeToRegex, similarToRegex, javaRegex } from './patterns.js';
export { parseJsonPath, evalJsonPath } from './json.js';
export { JavaRandom } from './math.js';
