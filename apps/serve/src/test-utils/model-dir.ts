/**
 * Test fixture: a real model directory written in code — a RewardModel with seeded weights, its
 * model.json and a record.json describing the hashing encoder it reads — so the server's tests
 * score with the same code a trained model goes through.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { RewardModel, serializeModel } from "@implicitrm/core";
import { HashingEncoder, describeEncoder } from "@implicitrm/encoders";

/**
 * A record.json for a model of `dim` inputs on the hashing encoder with normalisation `normalization`;
 * `over` replaces top-level fields (tests of bad records).
 */
export function testRecord(dim: number, normalization: { mean: number; std: number; split: string; rows: number }, over: Record<string, unknown> = {}) {
  return {
    format: "implicitrm-model-record",
    version: 1,
    inputDim: dim,
    encoder: describeEncoder(new HashingEncoder({ dim }), `hashing:${dim}`),
    normalization,
    objective: { name: "implicitrm", options: {} },
    data: { spec: "test", fingerprint: "sha256:00", rows: { train: 1, validation: 1, test: 1 } },
    versions: { node: process.version },
    createdAt: new Date(0).toISOString(),
    ...over,
  };
}

/** Writes a model directory (D = `dim`, heads `hidden`) with normalisation `norm`; returns its path and a cleanup. */
export async function writeTestModelDir(
  options: { dim?: number; hidden?: number[]; seed?: number; norm?: { mean: number; std: number } } = {},
): Promise<{ dir: string; cleanup: () => void }> {
  const dim = options.dim ?? 128;
  await initBackend("cpu", { log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), "irm-serve-http-"));
  const model = new RewardModel("implicitrm", ["reward"], dim, options.hidden ?? [16], options.seed ?? 3);
  writeFileSync(join(dir, "model.json"), JSON.stringify(serializeModel(model)));
  model.dispose();
  const record = testRecord(dim, { mean: options.norm?.mean ?? 0.1, std: options.norm?.std ?? 0.5, split: "validation", rows: 10 });
  writeFileSync(join(dir, "record.json"), JSON.stringify(record));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
