export { listFlag, numberFlag, parseFlags, type FlagSpec } from "./args.js";
export { deserializeModel, loadCheckpointModel, serializeModel, writeCheckpoint } from "./checkpoint.js";
export { DEFAULT_TRAINER_CONFIG, checkConfig, pickTrainOptions, readConfigFile, type BackendChoice, type TrainerConfig } from "./config.js";
export { BUILTIN_DATASETS, DEFAULT_DATA_SETTINGS, DEFAULT_SIMULATION, loadDataset, type DataSettings, type SimulationSettings } from "./data.js";
export { parseFeaturesJsonl, loadFeaturesFile } from "./features-file.js";
export { DEFAULT_TEXT_DATA, loadTextDataset, sniffDataFile, type TextDataSettings } from "./text-data.js";
export { DATA_FLAGS, DATA_HELP, dataSettingsFromFlags } from "./data-flags.js";
export { evaluateModel } from "./evaluate.js";
export { writeDirAtomic, writeFileAtomic } from "./files.js";
export { createProgress, type Progress } from "./progress.js";
export { GRID_KEYS, type GridPoint, parseGrid, trainAndEvaluate, type TrainRunResult } from "./run.js";
export { type CheckpointSettings, TRAIN_HELP, resolveTrainerConfig, trainCommand } from "./train-command.js";
export { EMBED_HELP, embedCommand, writeStore } from "./embed-command.js";
export { featureStore, loadStoreDataset } from "./store-data.js";
export { type EncodedRows, type TextRows, readTextRows, splitEncodedRows } from "./text-data.js";
export {
  CHECKPOINT_DIR,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointWriter,
  type CheckpointHeader,
  type CheckpointWriterOptions,
  TRAINER_VERSION,
  NOT_HASHED,
  checkpointFileName,
  configHash,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  readCheckpointFile,
} from "./state-file.js";
