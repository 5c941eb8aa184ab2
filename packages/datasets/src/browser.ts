/**
 * @implicitrm/datasets, browser-safe part: the simulator, splits, the synthetic default, the parsers
 * and adapters of rated data and implicit-feedback logs (inputs are strings or bytes). No Node
 * built-ins: file loading and Hugging Face downloads are in the main entry only.
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
export { countSkipped, formatSkipCounts, mergeSkipCounts } from "./bad-rows.js";
export {
  type FileFormat,
  type ParseRecordsOptions,
  type ParsedRecords,
  type SourceRecord,
  formatFromName,
  parseRecords,
  toSourceRecords,
} from "./readers/records.js";
export { type DetectedFormat, detectFormat } from "./detect.js";
export {
  type AdapterInfo,
  HF_DATASET_ADAPTERS,
  RATED_ADAPTERS,
  type RatedInput,
  type RatedLoadOptions,
  adaptRecords,
  parseRatedDataset,
} from "./rated.js";
export type { CommonAdapterOptions } from "./adapters/common.js";
export { type HelpSteerOptions, HELPSTEER_ATTRIBUTES, adaptHelpSteer } from "./adapters/helpsteer.js";
export {
  type UltraFeedbackBinarizedOptions,
  type UltraFeedbackOptions,
  ULTRAFEEDBACK_RATINGS,
  adaptUltraFeedback,
  adaptUltraFeedbackBinarized,
} from "./adapters/ultrafeedback.js";
export { type PkuSafeRlhfOptions, PKU_RATINGS, adaptPkuSafeRlhf } from "./adapters/pku.js";
export { type HhRlhfOptions, adaptHhRlhf, splitHhTranscript } from "./adapters/hh.js";
export { KNOWN_NORMALIZED_RATINGS, type NormalizedOptions, adaptNormalized } from "./adapters/normalized.js";
export { type GenericOptions, adaptGeneric } from "./adapters/generic.js";
export {
  type ActionMapping,
  DEFAULT_ACTION_MAPPING,
  type ImplicitLog,
  type ImplicitLogOptions,
  parseImplicitLog,
  resolveMapping,
} from "./logs.js";
export {
  FEATURE_STORE_FORMAT,
  FEATURE_STORE_HEADER,
  FEATURE_STORE_VERSION,
  MAX_STORE_ROWS,
  STORE_COLUMNS,
  type FeatureStoreHeader,
  type StoreBlock,
  type StoreColumn,
  type StoreColumnName,
  type StoreDtype,
  type StoreKind,
  type StoreRatedInfo,
  checkStoreHeader,
} from "./store/format.js";
