/**
 * Simulate implicit feedback from graded responses (METHOD.md §4) and count the four latent groups.
 *
 * The docs page "Simulate implicit feedback" runs this file unchanged. It needs only
 * @implicitrm/datasets (no tensors, no backend), so it runs instantly in a browser or in Node.
 *
 * Grades 1..5 (higher is better) become a true preference r* = 1[grade > 3] and a feedback
 * propensity π = min(1, k·α^(5 − grade)) with k chosen so that mean(π) is the observation rate; the
 * user's action disposition is a ~ Bernoulli(π), and the log shows only r = a·r*.
 */
import { type SimulationStats, simulateImplicitFeedback } from "@implicitrm/datasets";

export interface SimulateGroupsOptions {
  /** Number of simulated responses, graded 1..5 in equal shares (default 10000). */
  n?: number;
  /** Bias strength α: smaller is stronger bias, 1 is none (default 0.5). */
  alpha?: number;
  /** Target mean propensity (default 0.5). */
  observationRate?: number;
  /** Seed of the Bernoulli draws (default 42). */
  seed?: number;
}

export interface GradeRow {
  grade: number;
  rows: number;
  /** π of this grade. */
  propensity: number;
  /** Share with r* = 1 (0 or 1 here: r* is a function of the grade). */
  preferred: number;
  /** Share with feedback r = 1: what a naive model learns as "the reward" of this grade. */
  feedback: number;
}

export interface SimulateGroupsResult {
  /** Counts of the four latent groups: PA (r* = 1, a = 1), PP (1, 0), NA (0, 1), NP (0, 0). */
  groups: { pa: number; pp: number; na: number; np: number };
  byGrade: GradeRow[];
  stats: SimulationStats;
}

/** Simulates feedback for `n` responses graded 1..5 and tallies the latent groups. */
export function simulateGroups(options: SimulateGroupsOptions = {}): SimulateGroupsResult {
  const n = options.n ?? 10000;
  const grades = Float64Array.from({ length: n }, (_, i) => 1 + (i % 5));
  const sim = simulateImplicitFeedback(grades, {
    direction: "higher-better",
    scale: { min: 1, max: 5 },
    alpha: options.alpha ?? 0.5,
    observationRate: options.observationRate ?? 0.5,
    seed: options.seed ?? 42,
  });
  const groups = { pa: 0, pp: 0, na: 0, np: 0 };
  const byGrade: GradeRow[] = [1, 2, 3, 4, 5].map((grade) => ({ grade, rows: 0, propensity: 0, preferred: 0, feedback: 0 }));
  for (let i = 0; i < n; i++) {
    const star = sim.rStar[i] === 1;
    const act = sim.a[i] === 1;
    if (star && act) groups.pa++;
    else if (star) groups.pp++;
    else if (act) groups.na++;
    else groups.np++;
    const row = byGrade[grades[i]! - 1]!;
    row.rows++;
    row.propensity = sim.propensity[i]!;
    row.preferred += sim.rStar[i]!;
    row.feedback += sim.r[i]!;
  }
  for (const row of byGrade) {
    row.preferred /= row.rows;
    row.feedback /= row.rows;
  }
  return { groups, byGrade, stats: sim.stats };
}
