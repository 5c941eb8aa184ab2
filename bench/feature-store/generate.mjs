#!/usr/bin/env node
// Writes a large synthetic feature store (kind 'features': r, r*, no ids) block by block, without
// ever holding the features in memory: a latent-factor model x = z·W + noise with z ~ N(0, I₁₆),
// r* = 1[x·u > 0], and r = r*·a with a propensity that depends on x (so there is something to learn).
//
//   node bench/feature-store/generate.mjs --out /tmp/irm-store-2m --rows 2000000 --dim 768
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const { FeatureStoreWriter } = await import(join(repo, "packages/datasets/dist/index.js"));
const { Rng } = await import(join(repo, "packages/core/dist/random.js"));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const out = opt("out", "/tmp/irm-store-2m");
const rows = Number(opt("rows", 2_000_000));
const dim = Number(opt("dim", 768));
const k = 16;
const rng = new Rng(7);
const W = Float32Array.from({ length: k * dim }, () => rng.normal() / Math.sqrt(k));
const u = Float32Array.from({ length: k }, () => rng.normal());
const t0 = performance.now();
const w = FeatureStoreWriter.create(out, { dim, kind: "features", overwrite: true, source: `bench/feature-store/generate.mjs (${rows} × ${dim}, seed 7)` });
const chunk = 8192;
const x = new Float32Array(chunk * dim);
const z = new Float32Array(k);
let positives = 0;
for (let start = 0; start < rows; start += chunk) {
  const m = Math.min(chunk, rows - start);
  const r = new Uint8Array(m);
  const rStar = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    let score = 0;
    for (let j = 0; j < k; j++) {
      z[j] = rng.normal();
      score += z[j] * u[j];
    }
    const row = x.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < dim; d++) row[d] = 0.3 * (rng.next() - 0.5);
    for (let j = 0; j < k; j++) {
      const zj = z[j];
      const wj = W.subarray(j * dim, (j + 1) * dim);
      for (let d = 0; d < dim; d++) row[d] += zj * wj[d];
    }
    rStar[i] = score > 0.5 ? 1 : 0;
    const propensity = 0.1 + 0.5 / (1 + Math.exp(-z[0]));
    r[i] = rStar[i] && rng.next() < propensity ? 1 : 0;
    positives += r[i];
  }
  w.append({ features: x.subarray(0, m * dim), r, rStar });
  if ((start / chunk) % 25 === 0) process.stderr.write(`${start + m} / ${rows} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const header = w.finish({ info: { feedbackRate: positives / rows } });
console.log(
  JSON.stringify({ out, rows: header.n, dim: header.dim, blocks: header.blocks.length, gigabytes: +((rows * dim * 4) / 2 ** 30).toFixed(2), feedbackRate: positives / rows, seconds: +((performance.now() - t0) / 1000).toFixed(1) }),
);
