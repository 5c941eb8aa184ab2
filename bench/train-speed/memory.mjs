#!/usr/bin/env node
// Resident memory of training on 200k rows of D = 1024 (features held once, one Float32Array):
// core's train() for 2 epochs (sampling 'positives+k'), peak RSS sampled at every step and after.
//
//   node bench/train-speed/memory.mjs [--backend onnxruntime] [--rows 200000] [--dim 1024]
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const core = await import(join(repo, "packages/core/dist/index.js"));
const backends = await import(join(repo, "packages/backends/dist/index.js"));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const backend = opt("backend", "onnxruntime");
const rows = Number(opt("rows", 200_000));
const dim = Number(opt("dim", 1024));
const mb = (b) => Math.round(b / 2 ** 20);

await backends.initBackend(backend, { log: () => {} });
const baseline = process.memoryUsage().rss;
function data(n, seed) {
  const features = new Float32Array(n * dim);
  let s = seed >>> 0;
  for (let i = 0; i < features.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    features[i] = s / 2147483648 - 1;
  }
  // ~2% positives, so that an epoch of 'positives+k' (k = 4) is about 40 steps of 512.
  const r = new Uint8Array(n);
  for (let i = 0; i < n; i++) r[i] = (features[i * dim] ?? 0) > 0.96 ? 1 : 0;
  return { n, dim, features, r };
}
const train = data(rows, 1);
const validation = data(Math.round(rows / 10), 2);
const afterData = process.memoryUsage().rss;
let peak = afterData;
let steps = 0;
const t0 = performance.now();
const res = await core.train(
  { train, validation },
  { epochs: 2, patience: 100, seed: 1 },
  {
    onStep: (s) => {
      steps = s;
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  },
);
peak = Math.max(peak, process.memoryUsage().rss);
res.model.dispose();
console.log(
  JSON.stringify({
    backend,
    rows,
    dim,
    featureMB: mb(train.features.byteLength + validation.features.byteLength),
    rssBeforeDataMB: mb(baseline),
    rssAfterDataMB: mb(afterData),
    peakRssMB: mb(peak),
    steps,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  }),
);
process.exit(0);
