/**
 * The planner's one door to scalar expressions: binds an expression to the columns of an
 * intermediate result (a `Scope`) through the expression compiler of `src/sql/expr`, and turns its
 * type errors into positioned SQL errors.
 */
import type { Expr } from '../parser/index.js';
import { compileExpr } from '../expr/compile.js';
import type { CompiledExpr } from '../expr/compile.js';
import type { Scope } from '../expr/scope.js';
import type { FunctionCatalog } from '../functions/catalog.js';
import { planError, positioned } from './errors.js';

export type { CompiledExpr } from '../expr/compile.js';

export interface ExprEnv {
  scope: Scope;
  functions: FunctionCatalog;
  /** Script text, for positioned errors. */
  source: string;
  timeZone: string;
}

/** Compiles `expr` against `env.scope`; errors carry the expression's line and column. */
export function compileScalar(expr: Expr, env: ExprEnv): CompiledExpr {
  try {
    return compileExpr(expr, env.scope, env.functions, { timeZone: env.timeZone });
  } catch (e) {
    throw positioned(e, env.source);
  }
}

/** Milliseconds of a constant day-time interval such as `INTERVAL '10' SECOND`. */
export function intervalMs(expr: Expr, env: ExprEnv, what: string): number {
  const c = compileScalar(expr, env);
  if (!c.isConstant || c.type.kind !== 'INTERVAL_DT') {
    throw planError(env.source, expr.span, `${what} must be a constant day-time interval such as INTERVAL '10' SECOND`);
  }
  const v = c.eval([]) as number;
  if (!(v > 0)) throw planError(env.source, expr.span, `${what} must be positive, got ${v} ms`);
  return v;
}
