/**
 * ImplicitRM and the naive baseline, trained side by side on simulated implicit feedback.
 *
 * This is the file the docs page "Train in your browser" runs, unchanged. Copy it into any app with
 * a bundler (Vite, webpack, esbuild) that depends on @implicitrm/core, @implicitrm/backends and
 * @implicitrm/datasets; it also runs in Node (where `wasmPaths` is not needed).
 *
 * What it does:
 * 1. starts a compute backend: 'auto' tries WebGPU (when the browser has an adapter), then wasm,
 *    then cpu (and in Node the native backends first); or the one you name;
 * 2. builds the synthetic default dataset (Gaussian features, a hidden teacher that grades them 1..5)
 *    and simulates implicit feedback with the paper's protocol (π = k·α^(5 − grade), r = a·r*);
 * 3. trains ImplicitRM and naive (BCE on r, "no feedback = negative") at the same time, interleaved
 *    epoch by epoch, with the same heads, data, seed and early stopping on the held-out observed
 *    likelihood (no clean labels are used for training or model selection);
 * 4. after every epoch reports the losses, the AUROC of r̂ against the clean labels r* of the test
 *    split, and ImplicitRM's four-group posteriors; at the end, the metrics of the kept (best) epoch.
 */
import { type ResolvedBackend, initBackend } from "@implicitrm/backends";
import {
  type EpochRecord,
  type FeatureSet,
  type RewardModel,
  type SplitFeatureSets,
  type TrainResult,
  auroc,
  ece,
  nll,
  strataPosteriors,
  train,
} from "@implicitrm/core";
import { syntheticDataset } from "@implicitrm/datasets";
import * as tf from "@tensorflow/tfjs-core";

/** The two methods compared. */
export type Method = "implicitrm" | "naive";
export const METHODS: readonly Method[] = ["implicitrm", "naive"];

/** Which compute backend to start: 'auto' is WebGPU if it starts, else wasm, else cpu. */
export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

/** Settings of {@link runSideBySide}; every field has a default. */
export interface SideBySideOptions {
  /** Compute backend (default 'auto'). */
  backend?: BackendChoice;
  /** URL prefix ending in '/' that serves tfjs-backend-wasm's .wasm files (browsers only). */
  wasmPaths?: string;
  /** Seed of the data, the simulation, the initialisation and the shuffling (default 1). */
  seed?: number;
  /** Rows of the synthetic dataset, split 64/16/20 into train/validation/test (default 4000). */
  n?: number;
  /** Bias strength α of the simulator: π0 = α^(5 − grade); smaller is stronger bias (default 0.5). */
  alpha?: number;
  /** Target mean propensity of the simulator (default 0.5). */
  observationRate?: number;
  /** Maximum epochs per method (default 40). */
  epochs?: number;
  /** Early-stopping patience in epochs (default 10). */
  patience?: number;
  /** Hidden widths of every head (default [256, 64], the paper's). */
  hidden?: number[];
  /** Stops both runs after their current step. */
  signal?: AbortSignal;
}

/** Defaults of {@link SideBySideOptions}: the paper's protocol on a 4000-row synthetic dataset. */
export const SIDE_BY_SIDE_DEFAULTS = {
  backend: "auto" as BackendChoice,
  seed: 1,
  n: 4000,
  alpha: 0.5,
  observationRate: 0.5,
  epochs: 40,
  patience: 10,
  hidden: [256, 64],
};

/** Shares of the training rows in the four latent groups (they sum to 1). */
export interface GroupShares {
  /** preferred and active: exactly the rows with feedback (r = 1) */
  pa: number;
  /** preferred but passive: the hidden positives */
  pp: number;
  /** not preferred, active: definitive negatives */
  na: number;
  /** not preferred, passive */
  np: number;
}

/** One method after one epoch. */
export interface EpochPoint {
  method: Method;
  epoch: number;
  /** Mean training loss of the epoch (the objective's total; scales differ between methods). */
  trainLoss: number;
  /** Held-out NLL of the observed feedback r (the model-selection criterion of both methods). */
  heldOutNll: number;
  /** AUROC of r̂ against the clean labels r* of the test split, with this epoch's weights. */
  auroc: number;
  /** ImplicitRM only: the mean E-step posteriors φ over the training rows. */
  posteriors?: GroupShares;
}

/** A method's result: the weights of its best epoch, evaluated on the clean test split. */
export interface MethodSummary {
  method: Method;
  /** AUROC of r̂ against r* (higher is better). */
  auroc: number;
  /** Expected calibration error of r̂ against r*, 10 bins (lower is better). */
  ece: number;
  /** Log-loss of r̂ against r* (lower is better). */
  nll: number;
  /** Mean predicted reward r̂ on the test split (compare with the true positive rate). */
  meanReward: number;
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Wall-clock seconds of the run (both runs share the thread, so they overlap). */
  seconds: number;
  /** Whether the per-epoch numbers drawn while training came from the returned model itself. */
  liveAgrees: boolean;
}

export interface DataSummary {
  nTrain: number;
  nValidation: number;
  nTest: number;
  /** Fraction of rows with feedback (r = 1). */
  feedbackRate: number;
  /** Fraction of truly preferred rows (r* = 1). */
  positiveRate: number;
  /** The true group shares of the training rows (PA and PP exact, NA and NP in expectation over a). */
  truth: GroupShares;
}

export interface SideBySideResult {
  backend: string;
  /** Why a preferred backend did not start, when one did not. */
  notice?: string;
  data: DataSummary;
  implicitrm: MethodSummary;
  naive: MethodSummary;
  /** Wall-clock seconds for data, both trainings and the evaluation. */
  seconds: number;
}

/** Progress events, in order: backend, data, then epoch events of both methods, then done. */
export type SideBySideEvent =
  | { type: "backend"; name: string; notice?: string }
  | { type: "data"; data: DataSummary }
  | { type: "epoch"; point: EpochPoint }
  /** Training is starting over (on another backend): drop the epochs drawn so far. */
  | { type: "restart"; reason: string }
  | { type: "done"; result: SideBySideResult };

/**
 * Starts the chosen backend. `'auto'` is @implicitrm/backends' own choice: every registered backend,
 * fastest first; in a browser the Node-only ones fail at once, WebGPU is tried when the browser has
 * `navigator.gpu`, then wasm, then cpu. The returned `notice` says which were passed over and why.
 */
export async function startBackend(choice: BackendChoice, wasmPaths?: string): Promise<ResolvedBackend> {
  const opts = { ...(wasmPaths !== undefined ? { wasmPaths } : {}), log: () => {} };
  const started = await initBackend(choice, opts);
  if (started.name !== "webgpu") return started;
  // The training loop reads values back synchronously (dataSync). Where the browser's WebGPU cannot
  // (seen in headless Chromium on a software adapter: a 64×64 matMul of ones read back as 0), use
  // wasm instead. The product is big enough to run on the GPU (tfjs forwards tiny ops to the CPU).
  let problem: string | undefined;
  try {
    const product = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])));
    const got = product.dataSync();
    product.dispose();
    if (got[0] !== 64 || got[got.length - 1] !== 64) problem = `a 64×64 matMul of ones read back as ${got[0]} instead of 64`;
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  if (problem === undefined) return started;
  const fallback = await initBackend("wasm", opts);
  const why = `webgpu started but cannot read results back synchronously (${problem}), which training needs`;
  return { ...fallback, notice: started.notice ? `${started.notice} Then ${why}; using ${fallback.name}.` : `${why}; using ${fallback.name}.` };
}

/** Trains ImplicitRM and naive side by side; see the file comment. */
export async function runSideBySide(options: SideBySideOptions = {}, onEvent: (e: SideBySideEvent) => void = () => {}): Promise<SideBySideResult> {
  const o = { ...SIDE_BY_SIDE_DEFAULTS, ...options };
  const started = performance.now();
  let backend = await startBackend(o.backend, o.wasmPaths);
  onEvent({ type: "backend", name: backend.name, ...(backend.notice !== undefined ? { notice: backend.notice } : {}) });

  const data = syntheticDataset({ seed: o.seed, n: o.n, alpha: o.alpha, observationRate: o.observationRate });
  const summary = summarise(data.train, data.validation.n, data.test);
  onEvent({ type: "data", data: summary });

  let results: TrainedRun[];
  try {
    results = await trainBoth(data, o, onEvent);
  } catch (err) {
    // tfjs-backend-webgpu reads results back synchronously (dataSync), which some browser/GPU
    // combinations do not support; rather than fail, say so and run the same thing on wasm.
    if (backend.name !== "webgpu" || o.signal?.aborted) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    backend = await startBackend("wasm", o.wasmPaths);
    const notice = `training on webgpu failed (${reason}); retried on ${backend.name}`;
    backend = { ...backend, notice };
    onEvent({ type: "restart", reason: notice });
    onEvent({ type: "backend", name: backend.name, notice });
    results = await trainBoth(data, o, onEvent);
  }

  const y = data.test.rStar!;
  const summaries = results.map(({ result: res, liveAgrees }, i): MethodSummary => {
    const p = res.model.predict(data.test.features);
    res.model.dispose();
    return {
      method: METHODS[i]!,
      auroc: auroc(p, y),
      ece: ece(p, y),
      nll: nll(p, y),
      meanReward: mean(p),
      epochs: res.history.length,
      bestEpoch: res.bestEpoch,
      stoppedEarly: res.stoppedEarly,
      seconds: res.seconds,
      liveAgrees,
    };
  });
  const result: SideBySideResult = {
    backend: backend.name,
    ...(backend.notice !== undefined ? { notice: backend.notice } : {}),
    data: summary,
    implicitrm: summaries[0]!,
    naive: summaries[1]!,
    seconds: (performance.now() - started) / 1000,
  };
  onEvent({ type: "done", result });
  return result;
}

/** A finished run, and whether the live view computed the same reward as its model. */
interface TrainedRun {
  result: TrainResult;
  liveAgrees: boolean;
}

/**
 * Starts both trainings at once; they interleave epoch by epoch (train() yields to the event loop
 * after every epoch). If one fails, the other is stopped before the error is passed on.
 */
async function trainBoth(
  data: SplitFeatureSets,
  o: typeof SIDE_BY_SIDE_DEFAULTS & SideBySideOptions,
  onEvent: (e: SideBySideEvent) => void,
): Promise<TrainedRun[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener("abort", onAbort);
  const runs = METHODS.map((method) => {
    const options = { objective: method, seed: o.seed, epochs: o.epochs, patience: o.patience, hidden: o.hidden };
    const live = new LiveView(method, data.train, data.test);
    const hooks = {
      onEpoch: (record: EpochRecord, model: RewardModel) => onEvent({ type: "epoch", point: live.evaluate(record, model) }),
      signal: stop.signal,
    };
    const promise = train({ train: data.train, validation: data.validation }, options, hooks);
    return promise.then((result) => ({ result, liveAgrees: live.agrees(result.model) }));
  });
  try {
    const stopOthersOnFailure = (run: Promise<TrainedRun>) =>
      run.catch((e: unknown) => {
        stop.abort();
        throw e;
      });
    const settled = await Promise.allSettled(runs.map(stopOthersOnFailure));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      for (const s of settled) if (s.status === "fulfilled") s.value.result.model.dispose();
      throw failed.reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<TrainedRun>).value);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Evaluates a run's current weights after each epoch: `train()` hands its `onEpoch` hook the epoch's
 * record and the model being trained, which this view predicts with (the test AUROC of r̂, and for
 * ImplicitRM the mean E-step posteriors over the training rows). `agrees()` checks that the model
 * drawn from is the one the run returned.
 */
class LiveView {
  private model: RewardModel | undefined;

  constructor(
    private readonly method: Method,
    private readonly trainSet: FeatureSet,
    private readonly test: FeatureSet,
  ) {}

  evaluate(record: EpochRecord, model: RewardModel): EpochPoint {
    this.model = model;
    const point: EpochPoint = {
      method: this.method,
      epoch: record.epoch,
      trainLoss: record.train.total ?? Number.NaN,
      heldOutNll: record.selectionLoss,
      auroc: auroc(this.logits(model, "reward", this.test), this.test.rStar!),
    };
    if (this.method === "implicitrm") {
      const posteriors = this.posteriors(model);
      if (posteriors) point.posteriors = posteriors;
    }
    return point;
  }

  /** Whether the curves were drawn from `model`, the run's returned model. */
  agrees(model: RewardModel): boolean {
    return this.model === model;
  }

  /** Mean φ over the training rows: PA is the share with r = 1, the others come from the E-step. */
  private posteriors(model: RewardModel): GroupShares | undefined {
    if (!model.headNames.includes("activity")) return undefined;
    const f = this.logits(model, "reward", this.trainSet);
    const g = this.logits(model, "activity", this.trainSet);
    const means = tf.tidy(() => {
      const phi = strataPosteriors(tf.tensor1d(f), tf.tensor1d(g), tf.tensor1d(Float32Array.from(this.trainSet.r)));
      return [phi.pa, phi.pp, phi.na, phi.np].map((t) => tf.mean(t).dataSync()[0]!);
    });
    const [pa, pp, na, np] = means as [number, number, number, number];
    return { pa, pp, na, np };
  }

  /** One head's logits for every row of `fs` (a head may read the rows' activity block instead of the content). */
  private logits(model: RewardModel, head: "reward" | "activity", fs: FeatureSet): Float32Array {
    return model.predictLogits(fs.features, head, fs.activity?.features);
  }
}

function summarise(trainSet: FeatureSet, nValidation: number, test: FeatureSet): DataSummary {
  const { n, r } = trainSet;
  const rStar = trainSet.rStar!;
  const pi = trainSet.propensity!;
  const truth: GroupShares = { pa: 0, pp: 0, na: 0, np: 0 };
  for (let i = 0; i < n; i++) {
    if (r[i] === 1) truth.pa++;
    else if (rStar[i] === 1) truth.pp++;
    else {
      truth.na += pi[i]!;
      truth.np += 1 - pi[i]!;
    }
  }
  for (const k of ["pa", "pp", "na", "np"] as const) truth[k] /= n;
  return {
    nTrain: n,
    nValidation,
    nTest: test.n,
    feedbackRate: mean(r),
    positiveRate: mean(rStar),
    truth,
  };
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}
