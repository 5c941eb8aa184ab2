/** `implicitrm train`: config file and flags → a checkpoint directory with weights, config and metrics. */
import { initBackend } from "@implicitrm/backends";
import { formatHeadDiagnostics, listObjectives } from "@implicitrm/core";
import { numberFlag, listFlag, parseFlags } from "./args.js";
import { type BackendChoice, DEFAULT_TRAINER_CONFIG, type TrainerConfig, checkConfig, readConfigFile } from "./config.js";
import { loadDataset } from "./data.js";
import { DATA_FLAGS, DATA_HELP, dataSettingsFromFlags } from "./data-flags.js";
import { writeCheckpoint } from "./checkpoint.js";
import { createProgress } from "./progress.js";
import { trainAndEvaluate } from "./run.js";

export const TRAIN_HELP = `Usage: implicitrm train [options]

Trains one reward model and writes a checkpoint directory (model.json, config.json, metrics.json).

Options:
  --config <file>        JSON config; flags override it (keys: ${Object.keys(DEFAULT_TRAINER_CONFIG).join(", ")})
  --data <spec>          synthetic (default); a rated dataset (JSONL/CSV/Parquet file or folder, any
                         adapter, or hf:owner/name); an implicit-feedback log (JSONL with "actions");
                         or a features file (JSONL: {"features": [...], "r": 0|1, "rStar"?: 0|1} per line)
  --objective <name>     ${listObjectives().join(" | ")} (default implicitrm)
  --backend <name>       auto | cpu | wasm (default auto)
  --out <dir>            checkpoint directory (default runs/<objective>-seed<seed>)
  --seed <n>             seed of data simulation, initialisation and shuffling (default 42)
  --epochs <n>  --patience <n>  --lr <x>  --batch-size <n>  --weight-decay <x>
  --hidden <a,b>         hidden layer widths (default 256,64)
  --sampling <s>         positives+k | full (default positives+k), --k <n> negatives per positive (default 4)
  --quiet                no progress output

ImplicitRM / recrec-i activity head (objective options; see README "When ImplicitRM can and cannot
recover preferences"):
  --activity-inputs <i>  auto (default: the activity features when the data carry them, else content) |
                         content | context | both
  --activity-head <h>    mlp (default) | linear | scalar
  --activity-prior <m@w> prior on the action rate among good responses, mean m in (0, 1) with weight w
                         (e.g. 0.8@10); also starts the activity head at logit(m)
  --activity-weight-decay <x>  --activity-lr <x>   the activity head's own L2 and learning rate
  --sample-weights <s>   importance (default: undo the positives+k resampling) | none

${DATA_HELP}`;

const FLAGS = {
  config: { type: "string" },
  data: { type: "string" },
  objective: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  seed: { type: "string" },
  epochs: { type: "string" },
  patience: { type: "string" },
  lr: { type: "string" },
  "batch-size": { type: "string" },
  "weight-decay": { type: "string" },
  hidden: { type: "string" },
  sampling: { type: "string" },
  k: { type: "string" },
  "activity-inputs": { type: "string" },
  "activity-head": { type: "string" },
  "activity-prior": { type: "string" },
  "activity-weight-decay": { type: "string" },
  "activity-lr": { type: "string" },
  "sample-weights": { type: "string" },
  ...DATA_FLAGS,
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Resolves the full config: defaults, then the config file, then flags. */
export async function resolveTrainerConfig(argv: string[]): Promise<{ config: TrainerConfig; quiet: boolean; help: boolean }> {
  const f = parseFlags("train", argv, FLAGS);
  const fromFile = f.config ? await readConfigFile(f.config) : {};
  const hidden = listFlag(f.hidden)?.map((h) => numberFlag("hidden", h)!);
  const fromFlags: Record<string, unknown> = {
    data: f.data,
    objective: f.objective,
    backend: f.backend as BackendChoice | undefined,
    out: f.out,
    seed: numberFlag("seed", f.seed),
    epochs: numberFlag("epochs", f.epochs),
    patience: numberFlag("patience", f.patience),
    lr: numberFlag("lr", f.lr),
    batchSize: numberFlag("batch-size", f["batch-size"]),
    weightDecay: numberFlag("weight-decay", f["weight-decay"]),
    hidden,
    sampling: f.sampling,
    negativesPerPositive: numberFlag("k", f.k),
    ...dataSettingsFromFlags(f),
  };
  const objectiveFlags: Record<string, unknown> = {
    activityInputs: f["activity-inputs"],
    activityHead: f["activity-head"],
    activityPrior: f["activity-prior"],
    activityWeightDecay: numberFlag("activity-weight-decay", f["activity-weight-decay"]),
    activityLr: numberFlag("activity-lr", f["activity-lr"]),
    sampleWeights: f["sample-weights"],
  };
  for (const k of Object.keys(objectiveFlags)) if (objectiveFlags[k] === undefined) delete objectiveFlags[k];
  if (Object.keys(objectiveFlags).length) fromFlags.objectiveOptions = { ...(fromFile.objectiveOptions ?? {}), ...objectiveFlags };
  for (const k of Object.keys(fromFlags)) if (fromFlags[k] === undefined) delete fromFlags[k];
  const config = { ...DEFAULT_TRAINER_CONFIG, ...fromFile, ...checkConfig(fromFlags, "command line") } as TrainerConfig;
  return { config, quiet: f.quiet === true, help: f.help === true };
}

/** Runs `implicitrm train`; returns the process exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { config, quiet, help } = await resolveTrainerConfig(argv);
  if (help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const backend = await initBackend(config.backend, { log: (m) => process.stderr.write(`${m}\n`) });
  const dataset = await loadDataset(config.data, config.seed, config, (m) => process.stderr.write(`${m}\n`));
  const out = config.out ?? `runs/${config.objective}-seed${config.seed}`;
  const progress = createProgress(config.objective, config.epochs, process.stderr, quiet);
  const run = await trainAndEvaluate(dataset, config, (rec) => progress.epoch(rec));
  progress.done(
    `${config.objective}: best epoch ${run.bestEpoch} (${run.selection} ${run.bestSelectionLoss.toFixed(4)}), ${run.steps} steps in ${run.seconds.toFixed(1)} s on ${backend.name}`,
  );
  if (run.diagnostics) {
    process.stdout.write(`${formatHeadDiagnostics(run.diagnostics)}\n`);
    if (run.diagnostics.warning) process.stderr.write(`warning: ${run.diagnostics.warning}\n`);
  }
  await writeCheckpoint(out, run.result.model, { ...config, backend: backend.name }, {
    dataset: dataset.name,
    datasetInfo: dataset.info,
    selection: run.selection,
    bestEpoch: run.bestEpoch,
    bestSelectionLoss: run.bestSelectionLoss,
    steps: run.steps,
    seconds: run.seconds,
    test: run.metrics,
    ...(run.diagnostics ? { diagnostics: run.diagnostics } : {}),
    inputs: run.inputs,
    history: run.result.history,
  });
  run.result.model.dispose();
  const m = run.metrics;
  process.stdout.write(
    m
      ? `test AUROC ${m.auroc.toFixed(4)}  NLL ${m.nll.toFixed(4)}  MAE ${m.mae.toFixed(4)}  ECE ${m.ece.toFixed(4)}\n`
      : "no clean test labels (rStar) in the data: test metrics skipped\n",
  );
  process.stdout.write(`checkpoint written to ${out}\n`);
  return 0;
}
