/**
 * @implicitrm/datasets: the semi-synthetic implicit-feedback simulator, seeded splits, the synthetic
 * default dataset and readers of the normalised JSONL layout.
 */
export {
  type RatingDirection,
  type SimulateOptions,
  type SimulationResult,
  type SimulationStats,
  simulateImplicitFeedback,
  solvePropensityScale,
} from "./simulate.js";
export {
  type SplitFractions,
  type SplitIndices,
  type SplitOptions,
  indexGroups,
  splitIndices,
  splitRows,
  takeRows,
} from "./split.js";
export { type SyntheticOptions, syntheticDataset } from "./synthetic.js";
export {
  type NormalizedParseOptions,
  type NormalizedParseResult,
  type NormalizedRow,
  type SkipCause,
  parseNormalizedJsonl,
} from "./normalized.js";
export { readNormalizedJsonl } from "./io.js";
