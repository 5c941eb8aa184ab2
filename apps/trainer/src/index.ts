/**
 * @implicitrm/trainer: training one reward model as a library: the trainer config, loading a
 * dataset by spec, training and evaluating it (optionally over a hyperparameter grid), the model
 * directory a run writes and its training checkpoints, and embedding a dataset into a feature store.
 * The command line (`implicitrm train`, `embed`) is the `implicitrm` package.
 */
export { type BackendChoice, DEFAULT_TRAINER_CONFIG, type TrainerConfig, checkConfig, readConfigFile } from "./config.js";
export { BUILTIN_DATASETS, DEFAULT_DATA_SETTINGS, DEFAULT_TEXT_DATA, type DataSettings, type TextDataSettings, loadDataset } from "./dataset.js";
export { type ObjectiveSpec, parseObjectiveSpec, splitObjectiveSpec } from "./objective-spec.js";
export { GRID_KEYS, type GridPoint, parseGrid } from "./grid.js";
export { type TrainRunResult, trainAndEvaluate } from "./train-and-evaluate.js";
export { evaluateModel } from "./evaluate.js";
export { deserializeModel, loadModelDir, serializeModel, writeModelDir } from "./model-dir.js";
export { LABEL_SETTINGS, type RecordInputs, buildModelRecord, dataContentHash, dataFingerprint, gitInfo, packageVersions } from "./record.js";
export {
  CHECKPOINT_DIR,
  type CheckpointData,
  type CheckpointHeader,
  CheckpointWriter,
  type CheckpointWriterOptions,
  changedConfigKeys,
  configHash,
  latestCheckpoint,
  listCheckpoints,
  readCheckpointFile,
} from "./checkpoints.js";
export { LOCK_FILE, type LockInfo, RunLock, checkRunDirNoSymlinks, removeStaleRunTemps } from "./run-dir.js";
export { DEFAULT_EMBED_CHUNK_ROWS, writeStore } from "./embed-store.js";
