/** `implicitrm bench`: methods × datasets × seeds → a Markdown table on stdout and a JSON file. */
import { initBackend } from "@implicitrm/backends";
import { ConfigError, listObjectives } from "@implicitrm/core";
import { diagnosticReadings, markdownTable, runBench, writeBenchOutputs } from "@implicitrm/evaluator";
import {
  type BackendChoice,
  BUILTIN_DATASETS,
  DEFAULT_TRAINER_CONFIG,
  GRID_KEYS,
  type TrainerConfig,
  checkConfig,
  parseGrid,
  parseObjectiveSpec,
} from "@implicitrm/trainer";
import { DATA_FLAGS, DATA_HELP, dataSettingsFromFlags, listFlag, numberFlag, parseFlags, seedsFlag, showDefault, TRAINING_FLAGS, TRAINING_HELP } from "../flags.js";

/** The methods bench runs without --methods. */
export const DEFAULT_BENCH_METHODS: readonly string[] = Object.freeze(["implicitrm", "naive", "oracle"]);
/** The number of seeds (1..n) bench runs without --seeds. */
export const DEFAULT_BENCH_SEEDS = 3;
const D = DEFAULT_TRAINER_CONFIG;

function fmt(v: unknown): string {
  return typeof v === "number" && !Number.isInteger(v) ? v.toFixed(4) : String(v);
}

/** `implicitrm bench --help`. */
export const BENCH_HELP = `Usage: implicitrm bench [options]

Trains every method on every dataset for every seed and evaluates on the clean test split.
Prints a Markdown table (mean ± std over seeds; "n/a" for the std of a single seed); --out writes
one JSON row per {method, dataset, seed, metrics, diagnostics}.

Options:
  --data <a,b>           datasets (default ${showDefault(D.data)}; built in: ${BUILTIN_DATASETS.join(", ")}; or rated data files, any adapter)
  --methods <a,b|all>    objectives (default ${DEFAULT_BENCH_METHODS.join(",")}; all = ${listObjectives().join(",")});
                         each an objective spec <name>[:<key>=<value>;...] as for train's --objective
                         (ips:propensity=estimated;clipMin=0.1); with a label for tables:
                         symmetric=implicitrm:activityInputs=content
  --seeds <n|a,b,..>     a number n of seeds, run as 1..n (default ${DEFAULT_BENCH_SEEDS}), or a list of seeds (1,7,11)
  --out <file.json>      write the rows as JSON, and the table as <file>.md beside it (atomically)
  --markdown <file.md>   also write the table to a file
  --backend <name>       auto | cpu | wasm | onnxruntime | webgpu | tensorflow (default ${showDefault(D.backend)}:
                         auto is the fastest that starts)
${TRAINING_HELP}  --sampling <s>         positives+k | full (default ${showDefault(D.sampling)}); full: every row once per epoch, for every method
  --k <n>                negatives per positive under positives+k (default ${showDefault(D.negativesPerPositive)})
  --grid "<k>=<v,..> .."  search these hyperparameters per method on validation (keys: ${GRID_KEYS.join(", ")});
                         the point with the lowest held-out selection loss is kept, the test split is read once
  --alpha-sweep <a,b,..> run every α listed and write an SVG plot (AUROC and NLL against α) next to --out
  --presentation-sweep <w,..>  run every presentation share listed and write an SVG plot per dataset
                         (AUROC, NLL and |mean r̂ − TPR| against w) next to --out
  --quiet                no per-run progress lines

${DATA_HELP}`;

const FLAGS = {
  data: { type: "string" },
  methods: { type: "string" },
  seeds: { type: "string" },
  out: { type: "string" },
  markdown: { type: "string" },
  backend: { type: "string" },
  ...TRAINING_FLAGS,
  "alpha-sweep": { type: "string" },
  "presentation-sweep": { type: "string" },
  grid: { type: "string" },
  ...DATA_FLAGS,
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `implicitrm bench`; returns the process exit code. */
export async function benchCommand(argv: string[]): Promise<number> {
  const f = parseFlags("bench", argv, FLAGS);
  if (f.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const methodsFlag = listFlag(f.methods) ?? [...DEFAULT_BENCH_METHODS];
  const methods = methodsFlag.length === 1 && methodsFlag[0] === "all" ? listObjectives() : methodsFlag;
  for (const m of methods) {
    try {
      parseObjectiveSpec(m);
    } catch (e) {
      throw new ConfigError(`--methods: ${(e as Error).message}`);
    }
  }
  const datasets = listFlag(f.data) ?? [D.data];
  const seeds = seedsFlag(f.seeds, DEFAULT_BENCH_SEEDS);
  const overrides: Record<string, unknown> = {
    backend: f.backend as BackendChoice | undefined,
    epochs: numberFlag("epochs", f.epochs),
    patience: numberFlag("patience", f.patience),
    lr: numberFlag("lr", f.lr),
    batchSize: numberFlag("batch-size", f["batch-size"]),
    weightDecay: numberFlag("weight-decay", f["weight-decay"]),
    hidden: listFlag(f.hidden)?.map((h) => numberFlag("hidden", h)!),
    sampling: f.sampling,
    negativesPerPositive: numberFlag("k", f.k),
    ...dataSettingsFromFlags(f),
  };
  for (const k of Object.keys(overrides)) if (overrides[k] === undefined) delete overrides[k];
  const config = { ...DEFAULT_TRAINER_CONFIG, ...checkConfig(overrides, "command line") } as TrainerConfig;
  const backend = await initBackend(config.backend, { log: (m) => process.stderr.write(`${m}\n`) });

  const alphas = listFlag(f["alpha-sweep"])?.map((a) => numberFlag("alpha-sweep", a)!) ?? [config.alpha];
  for (const a of alphas) {
    if (!(a > 0 && a <= 1)) throw new ConfigError(`--alpha-sweep: every α must be in (0, 1], got ${a}`);
  }
  if (f["alpha-sweep"] && !f.out) throw new ConfigError("--alpha-sweep writes its plot next to --out: give --out <file.json>");
  const shares = listFlag(f["presentation-sweep"])?.map((w) => numberFlag("presentation-sweep", w)!) ?? [config.presentationShare];
  for (const w of shares) {
    if (!(w >= 0 && w <= 1)) throw new ConfigError(`--presentation-sweep: every share must be in [0, 1], got ${w}`);
  }
  if (f["presentation-sweep"] && !f.out) throw new ConfigError("--presentation-sweep writes its plots next to --out: give --out <file.json>");

  const started = Date.now();
  const log = (line: string) => {
    if (!f.quiet) process.stderr.write(`${line}\n`);
  };
  const rows = await runBench(
    {
      methods,
      datasets,
      seeds,
      alphas,
      presentationShares: shares,
      config,
      ...(f.grid ? { grid: parseGrid(f.grid) } : {}),
    },
    (row, i, total) =>
      log(
        `[${i}/${total}] ${row.dataset} α=${row.alpha}${shares.length > 1 ? ` w=${row.presentationShare}` : ""} ${row.method} seed ${row.seed}: AUROC ${row.metrics.auroc.toFixed(4)} NLL ${row.metrics.nll.toFixed(4)} |mean r̂ − TPR| ${row.metrics.rateError.toFixed(4)} (epoch ${row.bestEpoch}, ${row.seconds.toFixed(1)} s${row.chosen ? `, chose ${JSON.stringify(row.chosen)}` : ""})${
          row.diagnostics ? `; heads: mean σ(f) ${row.diagnostics.meanReward.toFixed(3)}, mean σ(g) ${row.diagnostics.meanActivity.toFixed(3)}, Pearson ${row.diagnostics.pearson.toFixed(3)}${row.diagnostics.indistinguishable ? " WARNING: indistinguishable heads" : ""}${row.diagnostics.saturated ? " WARNING: saturated activity head" : ""}` : ""
        }`,
      ),
    (dataset, alpha, seed, info) =>
      log(
        `${dataset} α=${alpha} seed ${seed}: ${["nTrain", "observationRate", "positiveRate", "feedbackRate"].map((k) => `${k} ${fmt(info[k])}`).join(", ")}`,
      ),
    log,
  );
  const table = markdownTable(rows);
  process.stdout.write(`${table}\n`);
  for (const line of diagnosticReadings(rows)) process.stderr.write(`${line}\n`);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`bench: ${rows.length} runs in ${seconds.toFixed(1)} s on ${backend.name}\n`);
  await writeBenchOutputs(rows, table, {
    ...(f.out ? { out: f.out } : {}),
    ...(f.markdown ? { markdown: f.markdown } : {}),
    datasets,
    alphas,
    presentationShares: shares,
  });
  return 0;
}
