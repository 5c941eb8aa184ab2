/**
 * `implicitrm train`: config file and flags → a model directory with weights, config and metrics,
 * checkpointed while it trains; SIGINT/SIGTERM stop it with a checkpoint, `--resume` continues it.
 */
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { basename } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { ConfigError, DataError, DivergenceError, diagnosticWarnings, formatHeadDiagnostics, getObjective, listObjectives, type TrainState } from "@implicitrm/core";
import {
  type BackendChoice,
  CHECKPOINT_DIR,
  type CheckpointData,
  CheckpointWriter,
  DEFAULT_TRAINER_CONFIG,
  RunLock,
  checkRunDirNoSymlinks,
  dataFingerprint,
  removeStaleRunTemps,
  type TrainerConfig,
  changedConfigKeys,
  checkConfig,
  configHash,
  latestCheckpoint,
  listCheckpoints,
  loadDataset,
  buildModelRecord,
  readCheckpointFile,
  readConfigFile,
  splitObjectiveSpec,
  trainAndEvaluate,
  writeModelDir,
} from "@implicitrm/trainer";
import { DATA_FLAGS, DATA_HELP, dataSettingsFromFlags, listFlag, numberFlag, parseFlags, showDefault, TRAINING_FLAGS, TRAINING_HELP } from "../flags.js";

/** Checkpoint flags' defaults: steps between checkpoints, and checkpoints kept besides the best. */
export const DEFAULT_CHECKPOINT_EVERY = 500;
export const DEFAULT_KEEP_CHECKPOINTS = 3;
const D = DEFAULT_TRAINER_CONFIG;
const A = getObjective("implicitrm").defaults as Record<string, unknown>;
import { createProgress } from "../progress.js";

/** `implicitrm train --help`. */
export const TRAIN_HELP = `Usage: implicitrm train [options]

Trains one reward model and writes a model directory (model.json, record.json, config.json, metrics.json;
record.json says which encoder made the features, the reward normalisation, the data and the versions).
While it trains, the run's state is saved to <out>/${CHECKPOINT_DIR}/ every --checkpoint-every steps and
after every epoch's evaluation (the last --keep-checkpoints and the best are kept); a run stopped by
a crash, a kill, SIGINT or SIGTERM continues exactly where it was with --resume <out>.

Options:
  --config <file>        JSON config; flags override it (keys: ${Object.keys(DEFAULT_TRAINER_CONFIG).join(", ")})
  --data <spec>          synthetic (default ${showDefault(D.data)}); a rated dataset (JSONL/CSV/Parquet file or folder, any
                         adapter, or hf:owner/name); an implicit-feedback log (JSONL with "actions");
                         a features file (JSONL: {"features": [...], "r": 0|1, "rStar"?: 0|1, "explicitNegative"?: bool} per line);
                         or a feature store directory written by \`implicitrm embed\` (read in blocks)
  --objective <spec>     <name>[:<key>=<value>;...], the objective and its own options, the same spec as
                         bench's --methods: ${listObjectives().join(" | ")} (default ${showDefault(D.objective)});
                         e.g. 'implicitrm:activityHead=linear;activityPrior=0.8@10' (quote it: ; separates)
  --backend <name>       auto | cpu | wasm | onnxruntime | webgpu | tensorflow (default ${showDefault(D.backend)}: the
                         fastest that starts)
  --out <dir>            checkpoint directory (default runs/<objective>-seed<seed>)
  --seed <n>             seed of data simulation, initialisation and shuffling (default ${showDefault(D.seed)})
${TRAINING_HELP}  --sampling <s>         positives+k | full (default ${showDefault(D.sampling)}), --k <n> negatives per positive (default ${showDefault(D.negativesPerPositive)})
  --clip-norm <x>        clip each head's gradient to this L2 norm (default ${showDefault(D.clipNorm)}: off)
  --quiet                no progress output

Checkpoints and resuming:
  --resume <dir>         continue the run in <dir> from its newest usable checkpoint, with its config
                         (flags that would change the result are refused); bit-identical to a run
                         that was never stopped, on the same backend
  --checkpoint-every <n> steps between checkpoints (default ${DEFAULT_CHECKPOINT_EVERY}; each evaluation also writes one)
  --keep-checkpoints <k> checkpoints kept besides the best (default ${DEFAULT_KEEP_CHECKPOINTS})
  --restart              discard the checkpoints of an unfinished run in --out and start over
  --allow-config-change  with --resume: continue with the settings given even where they differ from
                         the checkpoint's (e.g. a lower --lr after a divergence); not exact any more
  --allow-data-change    with --resume: continue although the training data's fingerprint (its content
                         and label settings) differs from the checkpoint's; not exact any more
One run at a time writes into a directory: <out>/.lock names its process, host and start time (a
stale lock, whose process is gone, is taken over); symlinked parts of <out> are refused.

Objective options of ImplicitRM / recrec-i's activity head (in --objective <name>:<key>=<value>;...,
see README "When ImplicitRM can and cannot recover preferences"):
  activityInputs=<i>     auto | content | context | both (default ${showDefault(A.activityInputs)}; auto: the activity
                         features when the data carry them, else content)
  activityHead=<h>       mlp | linear | scalar (default ${showDefault(A.activityHead)})
  activityPrior=<m@w>    prior on the action rate among good responses, mean m in (0, 1) with weight w
                         (e.g. 0.8@10; default ${showDefault(A.activityPrior)}); also starts the activity head at logit(m)
  activityWeightDecay=<x>  activityLr=<x>   the activity head's own L2 and learning rate (default ${showDefault(A.activityWeightDecay)}:
                         the run's --weight-decay and --lr)
  lambdaObs=<x>          weight of the observed-likelihood term L_obs (default ${showDefault(A.lambdaObs)})
  sampleWeights=<s>      importance | none (default ${showDefault(A.sampleWeights)}; importance undoes the positives+k resampling)

${DATA_HELP}`;

const FLAGS = {
  config: { type: "string" },
  data: { type: "string" },
  objective: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  seed: { type: "string" },
  ...TRAINING_FLAGS,
  "clip-norm": { type: "string" },
  resume: { type: "string" },
  "checkpoint-every": { type: "string" },
  "keep-checkpoints": { type: "string" },
  restart: { type: "boolean" },
  "allow-config-change": { type: "boolean" },
  "allow-data-change": { type: "boolean" },
  ...DATA_FLAGS,
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** How `implicitrm train` checkpoints and resumes (flags, not config: they do not change the result). */
export interface CheckpointSettings {
  resume?: string;
  every: number;
  keep: number;
  restart: boolean;
  /** With `resume`: accept settings that change the config hash (the run is then not exact). */
  allowConfigChange: boolean;
  /** With `resume`: accept training data whose fingerprint differs from the checkpoint's. */
  allowDataChange: boolean;
}

/**
 * Resolves the full config: defaults, then the config file, then flags. `given` holds what the
 * file and the flags set explicitly (what `--resume` checks against the checkpoint's config).
 */
export async function resolveTrainerConfig(
  argv: string[],
): Promise<{ config: TrainerConfig; given: Partial<TrainerConfig>; checkpoints: CheckpointSettings; quiet: boolean; help: boolean }> {
  const moved = argv.find((a) => /^--(activity-[a-z-]+|sample-weights)(=|$)/.test(a));
  if (moved !== undefined) {
    // the objective options had flags of their own before they took the one spec bench uses
    const flag = moved.split("=")[0]!;
    const key = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    throw new ConfigError(`implicitrm train: ${flag} is an objective option now: --objective implicitrm:${key}=<value> (options separated by ;); see \`implicitrm train --help\``);
  }
  const f = parseFlags("train", argv, FLAGS);
  const fromFile = f.config ? await readConfigFile(f.config) : {};
  const hidden = listFlag(f.hidden)?.map((h) => numberFlag("hidden", h)!);
  const fromFlags: Record<string, unknown> = {
    data: f.data,
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
    clipNorm: numberFlag("clip-norm", f["clip-norm"]),
    ...dataSettingsFromFlags(f),
  };
  if (f.objective !== undefined) {
    // one syntax with bench's --methods; the options are checked with the rest of the config below
    const spec = splitObjectiveSpec(f.objective);
    if (spec.label !== undefined) {
      throw new ConfigError(`--objective ${f.objective}: "${spec.label}=" labels a method in bench tables; train takes <objective>[:<key>=<value>;...]`);
    }
    fromFlags.objective = spec.objective;
    if (Object.keys(spec.options).length) fromFlags.objectiveOptions = { ...(fromFile.objectiveOptions ?? {}), ...spec.options };
  }
  for (const k of Object.keys(fromFlags)) if (fromFlags[k] === undefined) delete fromFlags[k];
  const given = { ...fromFile, ...checkConfig(fromFlags, "command line") };
  const config = { ...DEFAULT_TRAINER_CONFIG, ...given } as TrainerConfig;
  const every = numberFlag("checkpoint-every", f["checkpoint-every"]) ?? DEFAULT_CHECKPOINT_EVERY;
  const keep = numberFlag("keep-checkpoints", f["keep-checkpoints"]) ?? DEFAULT_KEEP_CHECKPOINTS;
  if (!(Number.isInteger(every) && every >= 0)) throw new ConfigError(`--checkpoint-every must be an integer ≥ 0 (0: at evaluations only), got ${f["checkpoint-every"]}`);
  if (!(Number.isInteger(keep) && keep >= 1)) throw new ConfigError(`--keep-checkpoints must be a positive integer, got ${f["keep-checkpoints"]}`);
  if (f.resume !== undefined && f.restart) throw new ConfigError("--resume and --restart contradict each other: pick one");
  if (f["allow-config-change"] && f.resume === undefined) throw new ConfigError("--allow-config-change applies to --resume only");
  if (f["allow-data-change"] && f.resume === undefined) throw new ConfigError("--allow-data-change applies to --resume only");
  const checkpoints: CheckpointSettings = {
    every,
    keep,
    restart: f.restart === true,
    allowConfigChange: f["allow-config-change"] === true,
    allowDataChange: f["allow-data-change"] === true,
    ...(f.resume !== undefined ? { resume: f.resume } : {}),
  };
  return { config, given, checkpoints, quiet: f.quiet === true, help: f.help === true };
}

/**
 * The config and state a `--resume <dir>` run continues with: the newest usable checkpoint's config,
 * with what the command line gives on top, which must not change the config hash (else a
 * ConfigError naming the keys that differ).
 */
function resumeFrom(
  dir: string,
  given: Partial<TrainerConfig>,
  allowChange: boolean,
  log: (line: string) => void,
): { config: TrainerConfig; file: string; state: TrainState; backend: string; data: CheckpointData } {
  const found = latestCheckpoint(dir);
  if (!found) {
    throw new ConfigError(`--resume ${dir}: no checkpoint to resume from (looked for ${CHECKPOINT_DIR}/ckpt-*.irmckpt there); train without --resume to start the run`);
  }
  for (const r of found.rejected) log(`implicitrm: passing over an unusable checkpoint: ${r.message}`);
  if (given.out != null && given.out !== dir) throw new ConfigError(`--resume ${dir} continues the run in ${dir}; --out ${given.out} names another directory`);
  const saved = found.header.config as unknown as TrainerConfig;
  const config = { ...DEFAULT_TRAINER_CONFIG, ...saved, ...given, out: dir } as TrainerConfig;
  if (configHash(config as unknown as Record<string, unknown>) !== found.header.configHash) {
    const keys = changedConfigKeys(saved as unknown as Record<string, unknown>, config as unknown as Record<string, unknown>, [...Object.keys(saved), ...Object.keys(given)]);
    const diff = keys.map((k) => `${k}: ${JSON.stringify((saved as unknown as Record<string, unknown>)[k])} in the checkpoint, ${JSON.stringify((config as unknown as Record<string, unknown>)[k])} now`);
    if (allowChange) {
      log(`warning: resuming with a changed config (${diff.join("; ")}): the run continues from the checkpoint but is no longer exact`);
    } else {
      throw new ConfigError(
        `--resume ${dir}: the checkpoint was written with another config (hash ${found.header.configHash.slice(0, 12)}…; ${diff.join("; ") || "keys added or removed"}); resume without those settings (or accept the change with --allow-config-change), or start a new run with another --out`,
      );
    }
  }
  return { config, file: found.file, state: found.state, backend: found.header.backend, data: found.header.data };
}

/** Before a fresh run: checkpoints of a finished run in `out` are removed; of an unfinished one, refused unless `restart`. */
function clearOldCheckpoints(out: string, restart: boolean): void {
  const existing = listCheckpoints(out);
  if (existing.length === 0) return;
  let finished = false;
  try {
    finished = readCheckpointFile(existing.at(-1)!).header.finished;
  } catch {
    // a damaged newest checkpoint: treat the run as unfinished
  }
  if (!finished && !restart) {
    throw new ConfigError(
      `${out} holds checkpoints of an unfinished run (newest ${basename(existing.at(-1)!)}): continue it with \`implicitrm train --resume ${out}\`, or pass --restart to discard them and start over`,
    );
  }
  for (const f of existing) rmSync(f, { force: true }); // checkRunDirNoSymlinks(out) ran first: these are our own files
}

/**
 * `--resume`: the data now must have the checkpoint's fingerprint (content and label settings), else
 * a DataError naming what differs (unless `allow`: then a warning). A checkpoint from before
 * fingerprints were recorded is resumed with a notice.
 */
function checkDataFingerprint(out: string, spec: string, saved: CheckpointData, now: CheckpointData, allow: boolean, log: (line: string) => void): void {
  if (saved.fingerprint === undefined) {
    log(`implicitrm: the checkpoint in ${out} records no data fingerprint (written before they were): the data is checked by row count and dimension only`);
    return;
  }
  if (saved.fingerprint === now.fingerprint) return;
  const diffs: string[] = [];
  if (saved.content !== now.content) diffs.push(`content (${now.of ?? "data"}): ${saved.content ?? "?"} in the checkpoint, ${now.content} now`);
  const keys = new Set([...Object.keys(saved.settings ?? {}), ...Object.keys(now.settings ?? {})]);
  for (const k of keys) {
    const a = JSON.stringify(saved.settings?.[k]);
    const b = JSON.stringify(now.settings?.[k]);
    if (a !== b) diffs.push(`${k}: ${a} in the checkpoint, ${b} now`);
  }
  const what = diffs.join("; ") || `fingerprint ${saved.fingerprint} in the checkpoint, ${now.fingerprint} now`;
  if (allow) {
    log(`warning: resuming on changed training data (${what}): the run continues from the checkpoint but is no longer exact`);
    return;
  }
  throw new DataError(
    `--resume ${out}: the training data differ from the checkpoint's (${what}); resume with the data the run started on, accept the change with --allow-data-change, or start a new run with another --out`,
    { file: spec },
  );
}

/** The command line's own version, for record.json. */
export function cliVersion(): Record<string, string> {
  const p = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
  return { [p.name]: p.version };
}

/** Exit codes of a run stopped by a signal (128 + the signal's number, as shells report it). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `implicitrm train`; returns the process exit code. SIGINT and SIGTERM during training finish
 * the current step, write a checkpoint and return 130 / 143 with a message saying how to resume (a
 * second signal stops at once); a diverging run stops with an error naming the step and the last
 * good checkpoint.
 */
export async function trainCommand(argv: string[]): Promise<number> {
  const resolved = await resolveTrainerConfig(argv);
  const { help, checkpoints } = resolved;
  if (help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const target = checkpoints.resume ?? resolved.config.out ?? `runs/${resolved.config.objective}-seed${resolved.config.seed}`;
  // the run directory is ours alone from here on: no symlinked parts, one writer, no stale temporaries
  checkRunDirNoSymlinks(target);
  if (checkpoints.resume !== undefined && !existsSync(target)) return trainLocked(resolved, log); // says there is no checkpoint; creates nothing
  const created = !existsSync(target);
  const lock = RunLock.acquire(target, log);
  try {
    for (const p of removeStaleRunTemps(target)) log(`implicitrm: removed a stale temporary left by a stopped run: ${p}`);
    return await trainLocked(resolved, log);
  } finally {
    lock.release();
    // a run that failed before writing anything leaves no --out behind (the lock created it)
    if (created) {
      try {
        if (readdirSync(target).length === 0) rmdirSync(target);
      } catch {}
    }
  }
}

/** {@link trainCommand} once the run directory is locked. */
async function trainLocked(resolved: Awaited<ReturnType<typeof resolveTrainerConfig>>, log: (m: string) => void): Promise<number> {
  const { quiet, checkpoints } = resolved;
  const resume = checkpoints.resume !== undefined ? resumeFrom(checkpoints.resume, resolved.given, checkpoints.allowConfigChange, log) : undefined;
  const config = resume ? resume.config : resolved.config;
  const out = config.out ?? `runs/${config.objective}-seed${config.seed}`;
  if (!resume) clearOldCheckpoints(out, checkpoints.restart);
  const backend = await initBackend(config.backend, { log });
  if (resume && resume.backend !== backend.name) {
    log(`warning: the checkpoint was computed on ${resume.backend}, this run uses ${backend.name}: it continues, but not bit-identically to a run that never stopped`);
  }
  const dataset = await loadDataset(config.data, config.seed, config, log);
  const fp = await dataFingerprint(config);
  const data: CheckpointData = { trainRows: dataset.train.n, dim: dataset.train.dim, fingerprint: fp.fingerprint, content: fp.content, of: fp.of, settings: fp.settings };
  if (resume && (resume.data.trainRows !== data.trainRows || resume.data.dim !== data.dim)) {
    throw new DataError(
      `--resume ${out}: the checkpoint was trained on ${resume.data.trainRows} rows of dimension ${resume.data.dim}, ${config.data} now gives ${data.trainRows} of dimension ${data.dim}; resume with the same data`,
      { file: config.data },
    );
  }
  if (resume) checkDataFingerprint(out, config.data, resume.data, data, checkpoints.allowDataChange, log);
  const writer = new CheckpointWriter(out, { keep: checkpoints.keep, config: { ...config, out } as unknown as Record<string, unknown>, backend: backend.name, data });
  const progress = createProgress(config.objective, config.epochs, process.stderr, quiet);
  if (resume && !quiet) log(`resuming ${out} from ${basename(resume.file)} (step ${resume.state.steps}, epoch ${resume.state.epoch})`);

  const stop = new AbortController();
  let stopSignal: string | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopSignal) {
      log(`\nimplicitrm: ${sig} again: stopping now, without a checkpoint of the current step`);
      process.exit(SIGNAL_EXIT[sig] ?? 1);
    }
    stopSignal = sig;
    log(`\nimplicitrm: ${sig}: finishing the current step and writing a checkpoint (send it again to stop at once)`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let run: Awaited<ReturnType<typeof trainAndEvaluate>>;
  try {
    run = await trainAndEvaluate(dataset, config, (rec) => progress.epoch(rec), stop.signal, [], {
      onCheckpoint: (state, info) => writer.write(state, info),
      checkpointEvery: checkpoints.every,
      ...(resume ? { resume: resume.state, lastCheckpoint: resume.file } : {}),
    });
  } catch (e) {
    if (e instanceof DivergenceError && e.lastCheckpoint !== undefined) {
      throw new DivergenceError(
        `${e.message}. To continue from that checkpoint with other settings: implicitrm train --resume ${out} --lr <smaller> (or --clip-norm <x>) --allow-config-change`,
        e,
        { cause: e },
      );
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (run.result.interrupted) {
    run.result.model.dispose();
    log(
      `implicitrm: stopped by ${stopSignal ?? "a signal"} at step ${run.steps}; checkpoint ${writer.last ?? "(none written)"}\n` +
        `continue with: implicitrm train --resume ${out}`,
    );
    return SIGNAL_EXIT[stopSignal ?? ""] ?? 1;
  }
  progress.done(
    `${config.objective}: best epoch ${run.bestEpoch} (${run.selection} ${run.bestSelectionLoss.toFixed(4)}), ${run.steps} steps in ${run.seconds.toFixed(1)} s on ${backend.name}`,
  );
  if (run.diagnostics) {
    process.stdout.write(`${formatHeadDiagnostics(run.diagnostics)}\n`);
    for (const reading of run.diagnostics.readings ?? []) process.stdout.write(`  ${reading}\n`);
    for (const w of diagnosticWarnings(run.diagnostics)) process.stderr.write(`warning: ${w}\n`);
  }
  const record = await buildModelRecord({ model: run.result.model, config, dataset, metrics: run.metrics, versions: cliVersion() });
  // config.json names the encoder that made the features: a store's own or 'precomputed', not the --encoder default
  const encoder = dataset.encoder?.spec === config.encoder ? config.encoder : record.encoder.spec;
  await writeModelDir(out, run.result.model, { ...config, encoder, backend: backend.name }, {
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
    checkpoints: { last: writer.last ?? null, best: writer.bestFile ?? null, ...(resume ? { resumedFrom: resume.file } : {}) },
    history: run.result.history,
  }, record);
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
