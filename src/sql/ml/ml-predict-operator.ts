/**
 * The ML_PREDICT operator lives in `src/ml` (a DataStream job uses it too, through `predict`); the SQL
 * planner builds its spec.
 */
export { MlPredictOperator, mlPredictCounters, resetMlPredictCounters, FALLBACK } from '../../ml/predict-operator.js';
export type { MlPredictCounters, MlPredictSpec, MlScorer } from '../../ml/predict-operator.js';
