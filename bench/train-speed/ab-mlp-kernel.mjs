//   node bench/train-speed/ab-mlp-kernel.mjs [wasm|cpu] [DIM]
// A/B in one process (same load): the per-layer dense kernel (before) vs the fused tfjsMlpKernel (after).
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
const repo = fileURLToPath(new URL("../../", import.meta.url));
const tf = await import(createRequire(join(repo, "packages/core/package.json")).resolve("@tensorflow/tfjs-core"));
const { MlpHead, env, mlpKernels, tfjsMlpKernel } = await import(join(repo, "packages/core/dist/kernel.js"));
const { implicitRMLoss } = await import(join(repo, "packages/core/dist/objectives-kit.js"));
const backendsPkg = await import(join(repo, "packages/backends/dist/index.js"));
const setMlpKernel = (name, kernel) => { mlpKernels.register(name, kernel, { replace: true }); env.mlpKernel = name; };
const { initBackend } = backendsPkg;
const backend = process.argv[2] ?? "wasm", D = Number(process.argv[3] ?? 1024), B = 512;
await initBackend(backend);
const dense = tf.customGrad((x, w, b, save) => { save([x, w]); return { value: tf.add(tf.matMul(x, w), b), gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)] }; });
const perLayer = (x, ks, bs, slope) => { let h = x; for (let l = 0; l < ks.length; l++) { h = dense(h, ks[l], bs[l]); if (l < ks.length - 1) h = tf.leakyRelu(h, slope); } return tf.reshape(h, [-1]); };
const rh = new MlpHead(D, [256, 64], 1, "r"), ah = new MlpHead(D, [256, 64], 2, "a");
const or = tf.train.adam(5e-4), oa = tf.train.adam(5e-4);
const feats = new Float32Array(B * D).map((_, i) => Math.sin(i)); const rr = new Float32Array(B).map((_, i) => (i % 3 === 0 ? 1 : 0));
function step() { tf.tidy(() => { const x = tf.tensor2d(feats, [B, D]); const r = tf.tensor1d(rr);
  const { grads } = tf.variableGrads(() => implicitRMLoss({ rewardLogits: rh.apply(x), activityLogits: ah.apply(x), r }).total, [...rh.variables, ...ah.variables]);
  const wd = (vs) => Object.fromEntries(vs.map((v) => [v.name, tf.add(grads[v.name], tf.mul(v, 1e-6))]));
  or.applyGradients(wd(rh.variables)); oa.applyGradients(wd(ah.variables)); }); rh.variables[0].dataSync(); }
const kernels = { before: perLayer, after: tfjsMlpKernel }; const best = { before: 1e9, after: 1e9 };
for (const k of ["before", "after"]) { setMlpKernel(k, kernels[k]); step(); step(); }
for (let round = 0; round < 6; round++) for (const k of ["before", "after"]) {
  setMlpKernel(k, kernels[k]); const n = 3, t = performance.now(); for (let i = 0; i < n; i++) step(); best[k] = Math.min(best[k], (performance.now() - t) / n); }
console.log(JSON.stringify({ backend, D, bestMsBefore: best.before.toFixed(1), bestMsAfter: best.after.toFixed(1), speedup: (best.before / best.after).toFixed(2) }));
process.exit(0);
