#!/usr/bin/env node
// One measurement of bench:train-speed, in its own process (tfjs keeps one global backend):
// ImplicitRM training steps (both heads' forward and backward, the E-step, the loss, both Adam
// steps with coupled L2) on one backend at one feature dimension. Prints one JSON object.
//
//   node bench/train-speed/step.mjs --backend wasm --dim 1024 [--batch 512] [--hidden 256,64]
//        [--seconds 3] [--threads N]
//
// Where the backend reads synchronously, the steps are core's own train() loop (sampling 'full',
// timed between onStep calls within an epoch, so validation and best-weight snapshots at epoch
// ends are left out). tfjs-backend-webgpu cannot read synchronously in Node, so there the same step
// is written out (as the conformance suite does) and timed over whole windows ending in an
// asynchronous read.
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const core = await import(join(repo, "packages/core/dist/index.js"));
const kit = { ...(await import(join(repo, "packages/core/dist/kernel.js"))), ...(await import(join(repo, "packages/core/dist/objectives-kit.js"))) };
const backends = await import(join(repo, "packages/backends/dist/index.js"));
const { onnxruntimeBridge } = await import(join(repo, "packages/backends/dist/onnxruntime/index.js"));
const tf = await import(createRequire(join(repo, "packages/core/package.json")).resolve("@tensorflow/tfjs-core"));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const backend = opt("backend", "wasm");
const dim = Number(opt("dim", 1024));
const batch = Number(opt("batch", 512));
const hidden = opt("hidden", "256,64").split(",").filter(Boolean).map(Number);
const seconds = Number(opt("seconds", 3));
const threads = opt("threads") === undefined ? undefined : Number(opt("threads"));

await backends.initBackend(backend, { threads, log: () => {} });

/** Deterministic features in [-1, 1) (an LCG; fast enough for 10⁸ values) and r with ~30% ones. */
function data(n) {
  const features = new Float32Array(n * dim);
  let s = 12345 >>> 0;
  for (let i = 0; i < features.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    features[i] = s / 2147483648 - 1;
  }
  const r = new Uint8Array(n);
  for (let i = 0; i < n; i++) r[i] = (features[i * dim] ?? 0) + 0.4 * (features[i * dim + 1] ?? 0) > 0.3 ? 1 : 0;
  return { n, dim, features, r };
}

const sync = !(tf.getBackend() === "webgpu" && typeof globalThis.OffscreenCanvas === "undefined");
const perEpoch = 16;
const out = { backend, dim, batch, hidden, loop: sync ? "core train()" : "written-out step", threads: onnxruntimeBridge()?.threads ?? 1 };

if (sync) {
  const trainSet = data(perEpoch * batch);
  const validation = { ...data(batch) };
  const times = [];
  let last = 0;
  let lastEpoch = 0;
  const controller = new AbortController();
  let started = 0;
  await core.train(
    { train: trainSet, validation },
    { epochs: 100000, patience: 100000, batchSize: batch, hidden, sampling: "full", seed: 1 },
    {
      signal: controller.signal,
      onStep: (step, epoch) => {
        const now = performance.now();
        // Skip the first two steps (warm-up) and any interval that spans an epoch's end.
        if (step > 2 && epoch === lastEpoch) times.push(now - last);
        if (step === 3) started = now;
        last = now;
        lastEpoch = epoch;
        const measured = times.reduce((a, b) => a + b, 0);
        if ((measured >= seconds * 1000 && times.length >= 3) || (started > 0 && now - started > 4 * seconds * 1000 && times.length >= 2)) controller.abort();
      },
    },
  ).then((res) => res.model.dispose());
  const ms = times.reduce((a, b) => a + b, 0) / times.length;
  Object.assign(out, { steps: times.length, msPerStep: ms, samplesPerSec: (1000 * batch) / ms });
} else {
  const { features, r } = data(perEpoch * batch);
  const reward = new kit.MlpHead(dim, hidden, 1, "bench/reward");
  const activity = new kit.MlpHead(dim, hidden, 2, "bench/activity");
  const optimizers = [tf.train.adam(5e-4), tf.train.adam(5e-4)];
  const step = (s) => {
    const k = s % perEpoch;
    return tf.tidy(() => {
      const x = tf.tensor2d(features.subarray(k * batch * dim, (k + 1) * batch * dim), [batch, dim]);
      const rb = tf.tensor1d(Float32Array.from(r.subarray(k * batch, (k + 1) * batch)));
      const heads = [reward, activity];
      const { value, grads } = tf.variableGrads(
        () => kit.implicitRMLoss({ rewardLogits: reward.apply(x), activityLogits: activity.apply(x), r: rb }).total,
        heads.flatMap((h) => h.variables),
      );
      heads.forEach((h, i) => {
        const named = {};
        for (const v of h.variables) named[v.name] = tf.add(grads[v.name], tf.mul(v, 1e-6));
        optimizers[i].applyGradients(named);
      });
      return value;
    });
  };
  for (let s = 0; s < 2; s++) {
    const v = step(s);
    await v.data();
    v.dispose();
  }
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || steps < 3) {
    const v = step(steps++);
    await v.data();
    v.dispose();
  }
  const ms = (performance.now() - t0) / steps;
  Object.assign(out, { steps, msPerStep: ms, samplesPerSec: (1000 * batch) / ms });
}
console.log(JSON.stringify(out));
process.exit(0);
