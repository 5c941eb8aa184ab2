// Where a step of the onnxruntime path goes: whole step, forward+backward, time inside onnxruntime calls, Adam + L2.
//   node bench/train-speed/breakdown.mjs [DIM] [THREADS] [prod]
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
const repo = fileURLToPath(new URL("../../", import.meta.url));
const tf = await import(createRequire(join(repo, "packages/core/package.json")).resolve("@tensorflow/tfjs-core"));
const { MlpHead, env, mlpKernels } = await import(join(repo, "packages/core/dist/kernel.js"));
const { implicitRMLoss } = await import(join(repo, "packages/core/dist/objectives-kit.js"));
const backendsPkg = await import(join(repo, "packages/backends/dist/index.js"));
const { onnxruntimeBridge } = await import(join(repo, "packages/backends/dist/onnxruntime/index.js"));
const { initBackend } = backendsPkg;
const D = Number(process.argv[2] ?? 1024), B = 512, threads = Number(process.argv[3] ?? 1);
await initBackend("onnxruntime", { threads });
const bridge = onnxruntimeBridge(); if (process.argv.includes("tfcpu")) { await initBackend("cpu"); mlpKernels.register("onnxruntime-on-cpu", (await import(join(repo, "packages/backends/dist/onnxruntime/kernel.js"))).ortMlpKernel(bridge)); env.mlpKernel = "onnxruntime-on-cpu"; } if (process.argv.includes("prod")) tf.enableProdMode();
let bridgeMs = 0; const call = bridge.call.bind(bridge); bridge.call = (...a) => { const t = performance.now(); const r = call(...a); bridgeMs += performance.now() - t; return r; };
const rh = new MlpHead(D, [256, 64], 1, "r"), ah = new MlpHead(D, [256, 64], 2, "a");
const or = tf.train.adam(5e-4), oa = tf.train.adam(5e-4);
const feats = new Float32Array(B * D).map((_, i) => Math.sin(i)); const rr = new Float32Array(B).map((_, i) => (i % 3 === 0 ? 1 : 0));
let fb = 0, ad = 0;
function step() {
  tf.tidy(() => {
    const x = tf.tensor2d(feats, [B, D]); const r = tf.tensor1d(rr);
    let t = performance.now();
    const { grads } = tf.variableGrads(() => implicitRMLoss({ rewardLogits: rh.apply(x), activityLogits: ah.apply(x), r }).total, [...rh.variables, ...ah.variables]);
    fb += performance.now() - t; t = performance.now();
    const wd = (vs) => Object.fromEntries(vs.map((v) => [v.name, tf.add(grads[v.name], tf.mul(v, 1e-6))]));
    or.applyGradients(wd(rh.variables)); oa.applyGradients(wd(ah.variables));
    ad += performance.now() - t;
  });
}
for (let i = 0; i < 3; i++) step();
const p = await tf.profile(() => step());
console.log("kernels per step", p.kernels.length);
bridgeMs = 0; fb = 0; ad = 0;
const n = 20; const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < n; i++) step();
const ms = (performance.now() - t0) / n;
const cu = process.cpuUsage(c0); console.log(JSON.stringify({ D, threads, cpuMsPerStep: ((cu.user + cu.system) / 1000 / n).toFixed(1), msPerStep: ms.toFixed(1), fwdBwd: (fb / n).toFixed(1), ortCalls: (bridgeMs / n).toFixed(1), adamWd: (ad / n).toFixed(1) }));
process.exit(0);
