// Writes a model directory for the serve benchmark: a RewardModel with the default heads
// (D → 256 → 64 → 1, seeded initial weights: the forward pass costs what a trained model's does),
// its model.json, and a record.json describing the hashing encoder it reads. Used by run.mjs when
// no --model is given; a directory written by `implicitrm train --out` serves the same way.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Writes the directory (in a new temp folder) and returns its path. */
export async function writeBenchModelDir({ dim = 1024, hidden = [256, 64], seed = 7 } = {}) {
  const core = await import(join(repo, "packages/core/dist/index.js"));
  const encoders = await import(join(repo, "packages/encoders/dist/index.js"));
  const { initBackend } = await import(join(repo, "packages/backends/dist/index.js"));
  await initBackend("auto", { log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), "irm-serve-bench-"));
  const model = new core.RewardModel("implicitrm", ["reward"], dim, hidden, seed);
  writeFileSync(join(dir, "model.json"), JSON.stringify(core.serializeModel(model)));
  model.dispose();
  const record = {
    format: "implicitrm-model-record",
    version: 1,
    inputDim: dim,
    encoder: encoders.describeEncoder(new encoders.HashingEncoder({ dim }), `hashing:${dim}`),
    normalization: { mean: 0, std: 1, split: "validation", rows: 0 },
    objective: { name: "implicitrm", options: {} },
    data: { spec: "bench (untrained weights)", fingerprint: "sha256:00", rows: { train: 0, validation: 0, test: 0 } },
    versions: { node: process.version },
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, "record.json"), JSON.stringify(record, null, 2));
  return dir;
}
