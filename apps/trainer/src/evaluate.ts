import { type FeatureSet, type Metrics, type RewardModel, classificationMetrics, f1OptimalThreshold } from "@implicitrm/core";

/**
 * Test metrics of a trained model (METHOD §5): r̂ = σ(f(x)) on the clean test split against r*,
 * with the recall threshold chosen to maximise F1 on the validation split's clean labels (the test
 * split is read once, here). Null when there is no clean test split (logs without ground truth).
 */
export function evaluateModel(model: RewardModel, validation: FeatureSet, test: FeatureSet): Metrics | null {
  if (test.n === 0 || !test.rStar) return null;
  const threshold = validation.rStar ? f1OptimalThreshold(model.predict(validation.features), validation.rStar).threshold : undefined;
  const p = model.predict(test.features);
  return classificationMetrics({
    p,
    y: test.rStar,
    ...(test.grade ? { grade: test.grade } : {}),
    ...(test.group ? { group: test.group } : {}),
    ...(threshold !== undefined && Number.isFinite(threshold) ? { threshold } : {}),
  });
}
