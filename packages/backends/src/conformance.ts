/**
 * The backend conformance suite: the same losses, gradients and a short training run computed on
 * a backend and on `'cpu'` (the reference), compared within stated tolerances. tfjs re-runs its
 * core tests per backend in the same spirit. Every input is generated from fixed formulas, so the
 * suite needs no files and gives the same numbers on every machine.
 *
 * What is compared (each a "check"):
 * - losses: `implicitRMLoss`'s parts on moderate and on extreme logits (±30…±80), the math
 *   building blocks (`bceWithLogits`, `observedNll`, `log1mSigmoidProduct`, `logSigmoid`), the
 *   E-step posteriors, and the loss parts of every objective in core's registry;
 * - gradients: ∂L/∂logits of `implicitRMLoss` and of every registered objective, and ∂L/∂θ of two
 *   MlpHeads through the ImplicitRM loss (this runs the backend's installed MLP kernel, if any);
 * - training: 20 steps of the ImplicitRM step (both heads, Adam, coupled L2) on fixed data: the
 *   per-step losses, the final weights and held-out logits; and that two runs are bit-identical;
 *   plus, where the backend reads synchronously, 2 epochs of core's own `train()`.
 *
 * Errors are measured as max|x − x_cpu| / max(1, max|x_cpu|) per check (absolute for values up
 * to 1, relative above).
 */
import { getObjective, listObjectives, resolveObjectiveOptions, strataPosteriors, train } from "@implicitrm/core";
import type { FeatureSet, HeadName } from "@implicitrm/core";
import { MlpHead } from "@implicitrm/core/kernel";
import { bceWithLogits, implicitRMLoss, log1mSigmoidProduct, logSigmoid, observedNll } from "@implicitrm/core/objectives-kit";
import type { ObjectiveBatch } from "@implicitrm/core/objectives-kit";
import * as tf from "@tensorflow/tfjs-core";
import { type InitBackendOptions, activeBackend, initBackend } from "./index.js";

/** Tolerances of one backend, on the scaled error described in the module comment. */
export interface ConformanceTolerances {
  /** Loss values and E-step posteriors. */
  loss: number;
  /** Gradients with respect to logits and to head parameters. */
  gradient: number;
  /** After 20 Adam steps: per-step losses, final weights, held-out logits. */
  training: number;
}

/**
 * Tolerances by backend. cpu, wasm and onnxruntime compute in float32 with their own summation
 * orders and transcendental functions; measured here (2026-11-27) every error stays below 1e-6
 * (the largest, 9.5e-7, in the E-step posteriors), so the tolerances are 1e-5 for losses and
 * gradients and 1e-4 after 20 Adam steps, ten times the largest error seen. WebGPU measured the
 * same in software (Mesa); GPUs compute exp/log with hardware approximations, so it gets ten times
 * more: 1e-4, 1e-4 and 1e-3. tfjs-node (TensorFlow's kernels) gets the default.
 */
export const CONFORMANCE_TOLERANCES: Readonly<Record<string, ConformanceTolerances>> = Object.freeze({
  default: { loss: 1e-5, gradient: 1e-5, training: 1e-4 },
  webgpu: { loss: 1e-4, gradient: 1e-4, training: 1e-3 },
});

/** The tolerances used for `backend`. */
export function tolerancesFor(backend: string): ConformanceTolerances {
  return CONFORMANCE_TOLERANCES[backend] ?? (CONFORMANCE_TOLERANCES.default as ConformanceTolerances);
}

/** One comparison. */
export interface ConformanceCheck {
  name: string;
  group: "loss" | "gradient" | "training" | "determinism";
  /** max|x − x_cpu| / max(1, max|x_cpu|); for 'determinism', max|run1 − run2| (must be 0). */
  error: number;
  tolerance: number;
  pass: boolean;
  /** Why it failed or was skipped. */
  detail?: string;
  skipped?: boolean;
}

/** The outcome of {@link runConformance}. */
export interface ConformanceReport {
  backend: string;
  reference: "cpu";
  tolerances: ConformanceTolerances;
  checks: ConformanceCheck[];
  /** True when every check that ran passed. */
  pass: boolean;
  seconds: number;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Override the tolerances (default {@link tolerancesFor}). */
  tolerances?: Partial<ConformanceTolerances>;
  /** Training steps (default 20). */
  steps?: number;
  /** Passed to `initBackend` (wasmPaths, threads, dawnFlags). */
  backendOptions?: InitBackendOptions;
}

type Results = Map<string, { group: ConformanceCheck["group"]; values: Float32Array }>;

/** A deterministic vector in [lo, hi], from a seed (no RNG state: a fixed formula). */
function fixed(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453;
    out[i] = lo + (hi - lo) * (t - Math.floor(t));
  }
  return out;
}

/** 0/1 labels with about `rate` ones, from a seed. */
function labels(n: number, seed: number, rate: number): Float32Array {
  return fixed(n, seed, 0, 1).map((u) => (u < rate ? 1 : 0));
}

async function read(t: tf.Tensor | tf.Tensor[]): Promise<Float32Array> {
  const list = Array.isArray(t) ? t : [t];
  const parts = await Promise.all(list.map((x) => x.data() as Promise<Float32Array>));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const N = 256;
let headCounter = 0;

/** Every loss and gradient check, computed on the active backend. */
async function lossesAndGradients(into: Results): Promise<void> {
  const put = async (name: string, group: ConformanceCheck["group"], t: tf.Tensor | tf.Tensor[]) => {
    into.set(name, { group, values: await read(t) });
    tf.dispose(t);
  };
  const fArr = fixed(N, 1, -8, 8);
  const gArr = fixed(N, 2, -8, 8);
  const extreme = (a: Float32Array) => a.map((v, i) => (i % 4 === 0 ? v * 10 : i % 4 === 1 ? Math.sign(v) * 80 : v));
  const r = tf.tensor1d(labels(N, 3, 0.3));
  for (const [tag, fa, ga] of [
    ["", fArr, gArr],
    [", extreme logits", extreme(fArr), extreme(gArr)],
  ] as const) {
    const f = tf.tensor1d(fa);
    const g = tf.tensor1d(ga);
    const parts = implicitRMLoss({ rewardLogits: f, activityLogits: g, r });
    await put(`implicitRMLoss parts${tag}`, "loss", [parts.total, parts.pref, parts.act, parts.obs]);
    const phi = strataPosteriors(f, g, r, { eps: 1e-6, smoothing: "clampDenominator" });
    await put(`strataPosteriors${tag}`, "loss", [phi.pa, phi.pp, phi.na, phi.np]);
    await put(`bceWithLogits${tag}`, "loss", bceWithLogits(f, tf.sigmoid(g)));
    await put(`observedNll${tag}`, "loss", observedNll(f, g, r));
    await put(`log1mSigmoidProduct${tag}`, "loss", log1mSigmoidProduct(f, g));
    await put(`logSigmoid${tag}`, "loss", logSigmoid(f));
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => implicitRMLoss({ rewardLogits: a as tf.Tensor1D, activityLogits: b as tf.Tensor1D, r }).total)([f, g]);
    await put(`∂implicitRMLoss/∂logits${tag}`, "gradient", grads);
    tf.dispose([f, g]);
  }

  // Every objective in core's registry, with a batch that has everything any of them needs.
  const m = N / 2;
  const logits: Partial<Record<HeadName, tf.Tensor1D>> = {
    reward: tf.tensor1d(fArr),
    activity: tf.tensor1d(gArr),
    imputation: tf.tensor1d(fixed(N, 4, -4, 4)),
  };
  const base: Omit<ObjectiveBatch, "logits"> = {
    r,
    rStar: tf.tensor1d(labels(N, 5, 0.5)),
    propensity: tf.tensor1d(fixed(N, 6, 0.05, 1)),
    classPrior: 0.35,
    weight: tf.tensor1d(fixed(N, 7, 0.5, 1.5)),
  };
  const pairs = { count: m };
  for (const name of listObjectives()) {
    const objective = getObjective(name);
    const options = resolveObjectiveOptions(objective, {});
    const batchOf = (l: Partial<Record<HeadName, tf.Tensor1D>>): ObjectiveBatch => ({
      ...base,
      ...(objective.needs.pairs ? { pairs } : {}),
      logits: l,
    });
    const heads = objective.heads;
    const parts = objective.loss(batchOf(logits), options);
    const keys = Object.keys(parts).sort();
    await put(`objective ${name}: loss parts (${keys.join(", ")})`, "loss", keys.map((k) => parts[k] as tf.Scalar));
    const grads = tf.grads((...ls: tf.Tensor[]) => {
      const l: Partial<Record<HeadName, tf.Tensor1D>> = {};
      heads.forEach((h, i) => {
        l[h] = ls[i] as tf.Tensor1D;
      });
      return objective.loss(batchOf(l), options).total;
    })(heads.map((h) => logits[h] as tf.Tensor1D));
    await put(`objective ${name}: ∂total/∂logits (${heads.join(", ")})`, "gradient", grads);
  }
  tf.dispose([...Object.values(logits), base.rStar as tf.Tensor, base.propensity as tf.Tensor, base.weight as tf.Tensor]);

  // Parameter gradients of two MLP heads through the ImplicitRM loss (runs the installed kernel).
  const D = 24;
  const x = tf.tensor2d(fixed(N * D, 8, -2, 2), [N, D]);
  const reward = new MlpHead(D, [16, 8], 11, `conformance${++headCounter}/reward`);
  const activity = new MlpHead(D, [16, 8], 12, `conformance${headCounter}/activity`);
  const vars = [...reward.variables, ...activity.variables];
  const { value, grads } = tf.variableGrads(() => implicitRMLoss({ rewardLogits: reward.apply(x), activityLogits: activity.apply(x), r }).total, vars);
  await put("MLP heads: logits", "loss", [reward.apply(x), activity.apply(x)]);
  await put("MLP heads: ∂L/∂θ (both heads, every kernel and bias)", "gradient", [value, ...vars.map((v) => grads[v.name] as tf.Tensor)]);
  reward.dispose();
  activity.dispose();
  tf.dispose([x, r]);
}

/** The data of the training checks: 20 batches of 64 rows plus 128 held-out rows, D = 24. */
function trainingData(steps: number) {
  const D = 24;
  const batch = 64;
  const n = steps * batch;
  const features = fixed((n + 128) * D, 21, -2, 2);
  // r depends on the features, so that the heads have something to learn.
  const r = new Float32Array(n + 128);
  for (let i = 0; i < n + 128; i++) {
    const row = features.subarray(i * D, i * D + D);
    const score = (row[0] ?? 0) + 0.5 * (row[1] ?? 0) - 0.25 * (row[2] ?? 0);
    r[i] = score > 0.4 ? 1 : 0;
  }
  return { D, batch, n, features, r };
}

/**
 * `steps` ImplicitRM training steps as core's train() takes them (both heads' forward, the loss,
 * one Adam step per head with coupled L2), reading only asynchronously; returns the per-step total
 * losses, the final weights and the held-out logits, concatenated.
 */
async function trainingRun(steps: number): Promise<Float32Array> {
  const { D, batch, n, features, r } = trainingData(steps);
  const reward = new MlpHead(D, [16, 8], 31, `conformance${++headCounter}/reward`);
  const activity = new MlpHead(D, [16, 8], 32, `conformance${headCounter}/activity`);
  const optimizers: tf.Optimizer[] = [tf.train.adam(1e-2), tf.train.adam(1e-2)];
  const weightDecay = 1e-4;
  const losses: tf.Scalar[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(features.subarray(s * batch * D, (s + 1) * batch * D), [batch, D]);
      const rb = tf.tensor1d(r.subarray(s * batch, (s + 1) * batch));
      const heads = [reward, activity];
      const { value, grads } = tf.variableGrads(
        () => implicitRMLoss({ rewardLogits: reward.apply(x), activityLogits: activity.apply(x), r: rb }).total,
        heads.flatMap((h) => h.variables),
      );
      heads.forEach((h, i) => {
        const named: tf.NamedTensorMap = {};
        for (const v of h.variables) named[v.name] = tf.add(grads[v.name] as tf.Tensor, tf.mul(v, weightDecay));
        optimizers[i]?.applyGradients(named);
      });
      return value;
    });
    losses.push(loss);
  }
  const held = tf.tensor2d(features.subarray(n * D), [128, D]);
  const out = await read([...losses, ...reward.variables, ...activity.variables, reward.apply(held), activity.apply(held)]);
  tf.dispose([...losses, held]);
  for (const o of optimizers) o.dispose();
  reward.dispose();
  activity.dispose();
  return out;
}

/** Two epochs of core's train() on the training data (10 steps each): history and held-out logits. */
async function coreTrain(steps: number): Promise<Float32Array> {
  const { D, batch, n, features, r } = trainingData(steps);
  const fs = (start: number, end: number): FeatureSet => ({
    n: end - start,
    dim: D,
    features: features.slice(start * D, end * D),
    r: Uint8Array.from(r.subarray(start, end)),
  });
  const result = await train(
    { train: fs(0, n), validation: fs(n, n + 128) },
    { epochs: 2, batchSize: 2 * batch, sampling: "full", hidden: [16, 8], lr: 1e-2, seed: 7, patience: 100 },
  );
  const out = [...result.history.flatMap((h) => [h.train.total ?? Number.NaN, h.selectionLoss])];
  const logits = result.model.predictLogits(features.slice(n * D));
  result.model.dispose();
  return Float32Array.from([...out, ...logits]);
}

/**
 * True when the active backend's tensors can be read synchronously: tfjs-backend-webgpu reads GPU
 * buffers synchronously through the browser's OffscreenCanvas, which Node lacks.
 */
function readsSynchronously(): boolean {
  return !(tf.getBackend() === "webgpu" && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === "undefined");
}

async function computeAll(steps: number): Promise<{ results: Results; sync: boolean }> {
  const results: Results = new Map();
  await lossesAndGradients(results);
  results.set(`training: ${steps} steps (losses, final weights, held-out logits)`, { group: "training", values: await trainingRun(steps) });
  const sync = readsSynchronously();
  if (sync) results.set("training: core train(), 2 epochs (history, held-out logits)", { group: "training", values: await coreTrain(steps) });
  return { results, sync };
}

function scaledError(a: Float32Array, ref: Float32Array): number {
  if (a.length !== ref.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    const x = a[i] as number;
    const y = ref[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.POSITIVE_INFINITY;
    if (Number.isFinite(y)) scale = Math.max(scale, Math.abs(y));
    else if (x !== y) return Number.POSITIVE_INFINITY;
    if (Number.isFinite(x) && Number.isFinite(y)) diff = Math.max(diff, Math.abs(x - y));
  }
  return diff / scale;
}

/**
 * Runs the suite on `backend` against `'cpu'`: starts cpu, computes every check, starts `backend`,
 * computes them again (training twice, for determinism), compares, and switches back to the
 * backend that was active before. Never throws for a mismatch: read `report.pass` and the checks.
 *
 * @param backend a registered backend name (`'wasm'`, `'webgpu'`, `'onnxruntime'`, `'tensorflow'`, …)
 * @throws BackendError when `backend` (or cpu) cannot start
 */
export async function runConformance(backend: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const started = performance.now();
  const steps = options.steps ?? 20;
  const tolerances = { ...tolerancesFor(backend), ...options.tolerances };
  const previous = activeBackend();
  try {
    await initBackend("cpu", options.backendOptions);
    const reference = await computeAll(steps);
    await initBackend(backend, options.backendOptions);
    // tfjs-backend-webgpu runs small ops whose inputs are still on the CPU with its CPU kernels;
    // the suite is about the GPU's kernels, so that forwarding is off while it runs.
    const env = tf.env();
    const forward = env.getFlags().WEBGPU_CPU_FORWARD;
    if (forward !== undefined) env.set("WEBGPU_CPU_FORWARD", false);
    let candidate: Awaited<ReturnType<typeof computeAll>>;
    let again: Float32Array;
    try {
      candidate = await computeAll(steps);
      again = await trainingRun(steps);
    } finally {
      if (forward !== undefined) env.set("WEBGPU_CPU_FORWARD", forward);
    }
    const checks: ConformanceCheck[] = [];
    for (const [name, ref] of reference.results) {
      const tolerance = tolerances[ref.group as keyof ConformanceTolerances];
      const got = candidate.results.get(name);
      if (!got) {
        checks.push({ name, group: ref.group, error: Number.NaN, tolerance, pass: true, skipped: true, detail: `${backend} cannot read synchronously, which train() needs` });
        continue;
      }
      const error = scaledError(got.values, ref.values);
      const check: ConformanceCheck = { name, group: ref.group, error, tolerance, pass: error <= tolerance };
      if (!check.pass) check.detail = got.values.length !== ref.values.length ? `length ${got.values.length} vs ${ref.values.length}` : "beyond tolerance";
      checks.push(check);
    }
    const first = candidate.results.get(`training: ${steps} steps (losses, final weights, held-out logits)`)?.values ?? new Float32Array();
    let det = again.length === first.length ? 0 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < again.length && det !== Number.POSITIVE_INFINITY; i++) det = Math.max(det, Math.abs((again[i] as number) - (first[i] as number)));
    checks.push({ name: `training: ${steps} steps twice on ${backend}, bit-identical`, group: "determinism", error: det, tolerance: 0, pass: det === 0 });
    return {
      backend,
      reference: "cpu",
      tolerances,
      checks,
      pass: checks.every((c) => c.pass),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (previous !== undefined) await initBackend(previous, options.backendOptions).catch(() => undefined);
  }
}

/** The report as a Markdown table (one row per check). */
export function formatConformance(report: ConformanceReport): string {
  const rows = report.checks.map((c) => {
    const err = c.skipped ? "skipped" : c.error === 0 ? "0" : c.error.toExponential(1);
    return `| ${c.group} | ${c.name} | ${err} | ${c.tolerance === 0 ? "0" : c.tolerance.toExponential(0)} | ${c.skipped ? "–" : c.pass ? "pass" : "FAIL"} |`;
  });
  return [
    `Conformance of ${report.backend} against cpu: ${report.pass ? "pass" : "FAIL"} (${report.seconds.toFixed(1)} s)`,
    "",
    "| group | check | error | tolerance | result |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
