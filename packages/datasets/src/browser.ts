/**
 * @implicitrm/datasets, browser-safe part: the simulator, splits, the synthetic default, the parsers
 * and adapters of rated data, implicit-feedback logs and features JSONL (inputs are strings or bytes),
 * and the step from rows to labelled splits (splits.ts). No Node
 * built-ins: file loading and Hugging Face downloads are in the main entry only. The adapters are
 * chosen by name (`parseRatedDataset(inputs, {adapter})`, or detected); their modules are internal.
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
  type ContextBlockOptions,
  PRESENTATION_FEATURES,
  type PresentationContext,
  type PresentationModel,
  type SimulatePresentationOptions,
  type SimulatedPresentation,
  contextActivityBlock,
  presentationActivityBlock,
  presentationPropensity,
  simulatePresentation,
} from "./presentation.js";
export {
  type SplitFractions,
  type SplitIndices,
  type SplitOptions,
  indexGroups,
  selectRows,
  splitIndices,
  splitRows,
  takeRows,
} from "./split.js";
export {
  DEFAULT_SIMULATION,
  type EncodedRows,
  type SimulationSettings,
  splitEncodedRows,
  splitObservedRows,
} from "./splits.js";
export { type FeaturesParseOptions, parseFeaturesJsonl } from "./features-jsonl.js";
export { type TextRows, toTextRows } from "./text-rows.js";
export { type SyntheticOptions, syntheticDataset } from "./synthetic.js";
export {
  type NormalizedParseOptions,
  type NormalizedParseResult,
  type NormalizedRow,
  parseNormalizedJsonl,
} from "./adapters/normalized.js";
export type {
  AdapterName,
  BadRowPolicy,
  LoggedExample,
  RatedDataset,
  RatedExample,
  RatingScale,
  SkipCause,
  SkipCounts,
} from "./types.js";
export { BadRows, RowProblem, type RowLocation, countSkipped, formatSkipCounts } from "./bad-rows.js";
export {
  type FileFormat,
  type ParseRecordsOptions,
  type ParsedRecords,
  type SourceRecord,
  parseRecords,
  toSourceRecords,
} from "./readers/records.js";
export { type DataKind, type DetectedFormat, detectDataKind, detectFormat } from "./detect.js";
export {
  type AdapterInfo,
  HF_DATASET_ADAPTERS,
  RATED_ADAPTERS,
  type RatedInput,
  type RatedLoadOptions,
  parseRatedDataset,
} from "./rated.js";
export {
  type ActionMapping,
  DEFAULT_ACTION_MAPPING,
  type ImplicitLog,
  type ImplicitLogOptions,
  parseImplicitLog,
} from "./logs.js";
export { FEATURE_STORE_HEADER, type FeatureStoreHeader, type StoreKind, type StoreRatedInfo } from "./store/format.js";
