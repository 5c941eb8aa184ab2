/**
 * @implicitrm/serve: put a trained reward model to work. `loadRewardModel(dir)` reads a model
 * directory (record.json, model.json), rebuilds the encoder it records and checks it, and returns
 * a {@link RewardScorer}; `createRewardScorer` is the same from parsed files (browser-safe, also
 * at `@implicitrm/serve/browser`). The command line (`implicitrm score`) is the `implicitrm` package.
 */
export * from "./browser.js";
export { type LoadRewardModelOptions, loadRewardModel } from "./load.js";
export { type ScoreFileOptions, type ScoreFileSummary, scoreFile, splitTranscript } from "./score-file.js";
export {
  EXPORT_MANIFEST_FORMAT,
  EXPORT_MANIFEST_VERSION,
  type ExportManifest,
  type ExportResult,
  type ExportRewardModelOptions,
  type ExportTensorInfo,
  exportRewardModel,
} from "./export.js";
export { HttpError, type HttpErrorCode } from "./http/errors.js";
export { type RewardServer, type RewardServerAddress, type RewardServerOptions, createRewardServer } from "./http/server.js";
