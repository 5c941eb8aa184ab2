import { type Metrics, type RewardModel, type RowSource, classificationMetrics, f1OptimalThreshold, predictRows } from "@implicitrm/core";

/**
 * Test metrics of a trained model (METHOD §5): r̂ = σ(f(x)) on the clean test split against r*,
 * with the recall threshold chosen to maximise F1 on the validation split's clean labels (the test
 * split is read once, here). Null when there is no clean test split (logs without ground truth).
 * The rows may be in memory or read from a feature store in chunks; a split whose feature
 * dimension differs from the model's is a DataError naming the split.
 */
export function evaluateModel(model: RewardModel, validation: RowSource, test: RowSource): Metrics | null {
  if (test.n === 0 || !test.rStar) return null;
  const threshold = validation.rStar ? f1OptimalThreshold(predictRows(model, validation, "reward", { name: "validation" }), validation.rStar).threshold : undefined;
  const p = predictRows(model, test, "reward", { name: "test" });
  return classificationMetrics({
    p,
    y: test.rStar,
    ...(test.grade ? { grade: test.grade } : {}),
    ...(test.group ? { group: test.group } : {}),
    ...(threshold !== undefined && Number.isFinite(threshold) ? { threshold } : {}),
  });
}
