/**
 * The expression compiler: turns parsed SQL expressions into typed closures over positional rows,
 * with Flink's typing and NULL semantics and constant folding.
 *
 * @example
 * import { compileExpr, Scope } from './sql/expr/index.js';
 * import { FunctionCatalog } from './sql/functions/index.js';
 * import { parseExpression } from './sql/parser/index.js';
 * import { T, typeToString } from './sql/types/index.js';
 *
 * const scope = new Scope([{ name: 'name', type: T.string() }, { name: 'qty', type: T.int(false) }]);
 * const e = compileExpr(parseExpression('UPPER(name) || CAST(qty / 2 AS STRING)'), scope, new FunctionCatalog());
 * e.eval(['ab', 7])        // 'AB3'
 * typeToString(e.type)     // 'STRING'
 */
export {
  compileExpr, compilePredicate, castCompiled, type CompiledExpr, type CompileOptions, type Evaluator,
} from './compile.js';
export { Scope, exprKey, type ScopeField, type ResolvedColumn, type ComputedColumn } from './scope.js';
