// The reward head's forward pass on micro-batch sizes: the scorer's scoreFeatures (the active tfjs
// backend; onnxruntime under auto) against a plain Float32Array MLP forward (skipping zero inputs),
// to pick the server's scoring path by measurement. Prints one line per batch size.
//   node bench/serve/forward.mjs
import { readFileSync } from "node:fs";
const repo = new URL("../../", import.meta.url).pathname;
const { writeBenchModelDir } = await import(repo + "bench/serve/model-dir.mjs");
const { loadRewardModel } = await import(repo + "apps/serve/dist/index.js");
const { deserializeModel } = await import(repo + "packages/core/dist/index.js");
const dir = await writeBenchModelDir();
const s = await loadRewardModel(dir);
const m = deserializeModel(JSON.parse(readFileSync(dir + "/model.json", "utf8")));
const w = m.getWeights().reward; m.dispose();
function plain(x, n) {
  let h = x;
  let fan = 1024;
  for (let l = 0; l < w.layers.length; l++) {
    const { kernel, bias } = w.layers[l]; const fo = bias.length; const z = new Float32Array(n * fo);
    for (let r = 0; r < n; r++) { const zr = r * fo; z.set(bias, zr);
      for (let i = 0; i < fan; i++) { const v = h[r * fan + i]; if (v === 0) continue; const k = i * fo; for (let j = 0; j < fo; j++) z[zr + j] += v * kernel[k + j]; } }
    if (l < w.layers.length - 1) for (let i = 0; i < z.length; i++) if (z[i] < 0) z[i] *= 0.01;
    h = z; fan = fo;
  }
  return h;
}
const rng = () => Math.random() - 0.5;
for (const b of [1, 8, 32, 64]) {
  const x = Float32Array.from({ length: b * 1024 }, rng);
  const a = s.logits(x, b), p = plain(x, b);
  let maxd = 0; for (let i = 0; i < b; i++) maxd = Math.max(maxd, Math.abs(a[i] - p[i]));
  const R = Math.max(30, Math.floor(2000 / b));
  for (let i = 0; i < 5; i++) { s.scoreFeatures(x, b); plain(x, b); }
  let t = performance.now(); for (let i = 0; i < R; i++) s.scoreFeatures(x, b); const ta = (performance.now() - t) / R;
  t = performance.now(); for (let i = 0; i < R; i++) plain(x, b); const tp = (performance.now() - t) / R;
  console.log(`batch ${b}: onnxruntime scoreFeatures ${ta.toFixed(3)} ms, plain Float32Array ${tp.toFixed(3)} ms, max |diff| ${maxd.toExponential(1)}`);
}
