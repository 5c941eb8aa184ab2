// Adam + coupled L2 on one head's parameters (D=1024, 256, 64, 1): six variables (today) vs one flat variable.
//   node bench/train-speed/ab-flat-adam.mjs [wasm|cpu]
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
const repo = fileURLToPath(new URL("../../", import.meta.url));
const tf = await import(createRequire(join(repo, "packages/core/package.json")).resolve("@tensorflow/tfjs-core"));
const core = await import(join(repo, "packages/core/dist/index.js"));
const backendsPkg = await import(join(repo, "packages/backends/dist/index.js"));
const { initBackend } = backendsPkg;
await initBackend(process.argv[2] ?? "wasm");
const shapes = [[1024, 256], [256], [256, 64], [64], [64, 1], [1]];
const six = shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 0.1, "float32", i), true, `six${i}`));
const total = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
const flat = [tf.variable(tf.randomNormal([total], 0, 0.1, "float32", 9), true, "flat")];
const opts = { six: tf.train.adam(5e-4), flat: tf.train.adam(5e-4) };
const vars = { six, flat };
const grads = { six: six.map((v) => tf.randomNormal(v.shape, 0, 0.01, "float32", 3)), flat: [tf.randomNormal([total], 0, 0.01, "float32", 4)] };
const step = (k) => tf.tidy(() => { const named = {}; vars[k].forEach((v, i) => { named[v.name] = tf.add(grads[k][i], tf.mul(v, 1e-6)); }); opts[k].applyGradients(named); });
const best = { six: 1e9, flat: 1e9 }; let kernels = {};
for (const k of ["six", "flat"]) { step(k); kernels[k] = (await tf.profile(() => step(k))).kernels.length; }
for (let r = 0; r < 8; r++) for (const k of ["six", "flat"]) { const t = performance.now(); for (let i = 0; i < 5; i++) step(k); vars[k][0].dataSync(); best[k] = Math.min(best[k], (performance.now() - t) / 5); }
console.log(JSON.stringify({ backend: tf.getBackend(), params: total, kernels, bestMs: { six: best.six.toFixed(2), flat: best.flat.toFixed(2) } }));
process.exit(0);
