#!/usr/bin/env node
// Export benchmark: `exportRewardModel` on a model with the default heads (hashing:1024 features,
// reward head 1024→256→64→1, plus the activity head), the size of model.onnx, and scoring
// throughput (rows/s) of the exported file in onnxruntime-node (one intra-op thread) beside the
// toolkit's own scorer (`loadRewardModel(dir).scoreFeatures`, tfjs on the given backend), at batch
// sizes 1, 32 and 1024, with the largest difference between the two.
//
//   node scripts/pnpm.mjs exec turbo run build --filter=@implicitrm/serve... && node bench/export/run.mjs [--backend cpu|wasm] [--seconds S]
//
// Each figure is the best of 3 runs of about S seconds (default 1) after a warm-up. Not a test: it
// prints JSON, it does not assert.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const serveDir = join(repo, "apps/serve");
if (!existsSync(join(serveDir, "dist/index.js"))) {
  console.error("bench/export: build first: node scripts/pnpm.mjs exec turbo run build --filter=@implicitrm/serve...");
  process.exit(1);
}
const req = createRequire(join(serveDir, "package.json"));
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const backend = opt("--backend", "cpu");
const seconds = Number(opt("--seconds", "1"));

const { initBackend } = await import(join(repo, "packages/backends/dist/index.js"));
await initBackend(backend, { log: () => {} });
const { RewardModel, serializeModel, Rng } = await import(join(repo, "packages/core/dist/index.js"));
const { HashingEncoder, describeEncoder } = await import(join(repo, "packages/encoders/dist/index.js"));
const { exportRewardModel, loadRewardModel } = await import(join(serveDir, "dist/index.js"));
const ort = req("onnxruntime-node");

const D = 1024;
const root = mkdtempSync(join(tmpdir(), "irm-bench-export-"));
const dir = join(root, "model");
const out = join(root, "export");
try {
  const model = new RewardModel("implicitrm", ["reward", "activity"], D, [256, 64], 1);
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir);
  writeFileSync(join(dir, "model.json"), JSON.stringify(serializeModel(model)));
  model.dispose();
  const record = {
    format: "implicitrm-model-record",
    version: 1,
    inputDim: D,
    encoder: describeEncoder(new HashingEncoder({ dim: D }), `hashing:${D}`),
    normalization: { mean: 0.1, std: 0.9, split: "validation", rows: 1 },
    objective: { name: "implicitrm", options: {} },
    data: { spec: "bench", fingerprint: "sha256:00", rows: { train: 0, validation: 1, test: 0 } },
    versions: { node: process.version },
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, "record.json"), JSON.stringify(record));

  const t0 = performance.now();
  await exportRewardModel(dir, out);
  const exportSeconds = (performance.now() - t0) / 1000;

  const session = await ort.InferenceSession.create(join(out, "model.onnx"), { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  const scorer = await loadRewardModel(dir);
  const rng = new Rng(7);
  const rate = async (fn, rows) => {
    await fn();
    let best = 0;
    for (let r = 0; r < 3; r++) {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        await fn();
        n += rows;
      }
      best = Math.max(best, n / ((performance.now() - start) / 1000));
    }
    return Math.round(best);
  };
  const batches = [];
  for (const rows of [1, 32, 1024]) {
    const x = Float32Array.from({ length: rows * D }, () => rng.normal() / Math.sqrt(D));
    const feeds = { features: new ort.Tensor("float32", x, [rows, D]) };
    const onnx = await session.run(feeds);
    const own = scorer.scoreFeatures(x, rows);
    let maxDiff = 0;
    own.forEach((s, i) => {
      for (const k of ["logit", "reward", "score"]) maxDiff = Math.max(maxDiff, Math.abs(onnx[k].data[i] - s[k]));
    });
    batches.push({
      rows,
      onnxruntimeNodeRowsPerSecond: await rate(() => session.run(feeds), rows),
      scorerRowsPerSecond: await rate(() => scorer.scoreFeatures(x, rows), rows),
      maxAbsDiff: maxDiff,
    });
  }
  await session.release();
  await scorer.dispose();
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        loadavg: loadavg().map((v) => Number(v.toFixed(2))),
        node: process.version,
        scorerBackend: backend,
        heads: "reward 1024→256→64→1 (+ activity head, not exported)",
        exportSeconds: Number(exportSeconds.toFixed(3)),
        modelOnnxBytes: statSync(join(out, "model.onnx")).size,
        batches,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
