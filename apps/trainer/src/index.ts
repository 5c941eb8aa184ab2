export { listFlag, numberFlag, parseFlags, type FlagSpec } from "./args.js";
export { deserializeModel, loadCheckpointModel, serializeModel, writeCheckpoint } from "./checkpoint.js";
export { DEFAULT_TRAINER_CONFIG, checkConfig, pickTrainOptions, readConfigFile, type BackendChoice, type TrainerConfig } from "./config.js";
export { BUILTIN_DATASETS, DEFAULT_SIMULATION, loadDataset, type SimulationSettings } from "./data.js";
export { evaluateModel } from "./evaluate.js";
export { writeDirAtomic, writeFileAtomic } from "./files.js";
export { createProgress, type Progress } from "./progress.js";
export { trainAndEvaluate, type TrainRunResult } from "./run.js";
export { TRAIN_HELP, resolveTrainerConfig, trainCommand } from "./train-command.js";
