import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { formatSkipCounts } from "../bad-rows.js";
import { loadRatedDataset, readDataFile } from "./io.js";
import { simulateImplicitFeedback } from "../simulate.js";
import { splitIndices } from "../split.js";
import { expectConfigError, expectDataError, fixture, sharedData } from "../test-utils/fixtures.js";

const tmp = () => mkdtempSync(join(tmpdir(), "irm-ds-"));

describe("loadRatedDataset (files)", () => {
  it("loads a fixture by path or URL with auto-detection", async () => {
    const ds = await loadRatedDataset(fixture("pku_saferlhf.jsonl"));
    expect(ds.adapter).toBe("pku-saferlhf");
    expect(ds.source).toBe(fixture("pku_saferlhf.jsonl"));
    expect((await loadRatedDataset(pathToFileURL(fixture("helpsteer.jsonl")))).rows.length).toBe(5);
  });

  it("reads .gz files and folders of shards", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "part-1.jsonl.gz"), gzipSync(readFileSync(fixture("ultrafeedback_binarized.jsonl"))));
    copyFileSync(fixture("ultrafeedback_binarized.jsonl"), join(dir, "part-0.jsonl"));
    writeFileSync(join(dir, "README.md"), "not data");
    const gz = await loadRatedDataset(join(dir, "part-1.jsonl.gz"));
    expect(gz.rows.length).toBe(6);
    // two shards: generated ids run on across files, so they stay unique
    const both = await loadRatedDataset(dir);
    expect(both.rows.length).toBe(12);
    expect(both.rows[6]!.id).toBe("uf-binarized/3/chosen");
    expect(both.source).toBe(dir);
    const bytes = await readDataFile(join(dir, "part-1.jsonl.gz"));
    expect(new TextDecoder().decode(bytes)).toBe(readFileSync(fixture("ultrafeedback_binarized.jsonl"), "utf8"));
  });

  it("names the shard and line of a bad row", async () => {
    const dir = tmp();
    copyFileSync(fixture("helpsteer.jsonl"), join(dir, "a.jsonl"));
    writeFileSync(join(dir, "b.jsonl"), `${readFileSync(fixture("helpsteer.jsonl"), "utf8").split("\n")[0]!.replace('"helpfulness": 4', '"helpfulness": 5')}\n`);
    await expectDataError(loadRatedDataset(dir), { file: join(dir, "b.jsonl"), line: 1, field: "helpfulness" }, /outside the declared range \[0, 4\]/);
    const ds = await loadRatedDataset(dir, { onBadRow: "skip" });
    expect(ds.rows.length).toBe(5);
    expect(formatSkipCounts(ds.skipped)).toBe("skipped 1 bad row: outOfRange 1");
  });

  it("says what is wrong with a missing file, an empty folder and a bad gzip", async () => {
    await expectDataError(loadRatedDataset("/nonexistent/ratings.jsonl"), { file: "/nonexistent/ratings.jsonl" }, /cannot read the file/);
    await expectConfigError(loadRatedDataset(tmp()), /no \.jsonl/);
    const dir = tmp();
    writeFileSync(join(dir, "x.jsonl.gz"), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    await expectDataError(loadRatedDataset(join(dir, "x.jsonl.gz")), { file: join(dir, "x.jsonl.gz") }, /not valid gzip/);
  });

  it("treats owner/name that is not a local path as a Hugging Face name, and says both when it fails", async () => {
    const offline = () => Promise.reject(new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } }));
    const e = await expectDataError(
      loadRatedDataset("nvidia/HelpSteer2", { hf: { fetch: offline as typeof fetch, cacheDir: tmp() } }),
      {},
      /no local file "nvidia\/HelpSteer2", and as a Hugging Face dataset name: .*network is unreachable \(ENOTFOUND/,
    );
    expect(e).toBeInstanceOf(DataError);
  });
});

// The shared real datasets, beside the repository (../shared/data). Absent on some machines: skip then.
describe("shared datasets", () => {
  const uf = sharedData("ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl");
  const ae = sharedData("alpacaeval2_weighted_gpt4t/alpacaeval2_weighted_gpt4t.jsonl");
  const hhRaw = sharedData("hh_rlhf_harmless_base_test/raw/harmless-base_test.jsonl.gz");
  const hhNorm = sharedData("hh_rlhf_harmless_base_test/hh_rlhf_harmless_base_test.jsonl");
  for (const [p, what] of [
    [uf, "UltraFeedback binarized subset"],
    [ae, "AlpacaEval 2 subset"],
    [hhRaw, "HH-RLHF harmless-base test (raw)"],
  ] as const) {
    if (!existsSync(p)) console.log(`skipping the ${what} test: ${p} is absent (../shared/data not present)`);
  }

  it.skipIf(!existsSync(uf))("detects and loads the UltraFeedback binarized subset: 2400 rows, higher-better 1–10", async () => {
    const ds = await loadRatedDataset(uf);
    expect(ds.adapter).toBe("normalized");
    expect(ds.ratingField).toBe("uf_score");
    expect(ds.rows.length).toBe(2400);
    expect(ds.scale).toEqual({ min: 1, max: 10, direction: "higher-better" });
    expect(ds.skipped).toEqual({});
    expect(ds.emptyResponses).toBe(2);
    expect(new Set(ds.rows.map((r) => r.promptId)).size).toBe(1200);
    const sim = simulateImplicitFeedback(
      ds.rows.map((r) => r.rating),
      { direction: ds.scale.direction, scale: ds.scale, seed: 3 },
    );
    expect(Math.abs(sim.stats.observationRate - 0.5)).toBeLessThan(0.05);
    const split = splitIndices(ds.rows.length, { group: ds.rows.map((r) => r.promptId), seed: 3 });
    expect(split.train.length + split.validation.length + split.test.length).toBe(2400);
  });

  it.skipIf(!existsSync(ae))("detects and loads the AlpacaEval 2 subset: 6440 rows, higher-better win probability in [0, 1]", async () => {
    await expectConfigError(loadRatedDataset(ae), /several keys \(win_prob_vs_gpt4_turbo, preference_raw\)/);
    const ds = await loadRatedDataset(ae, { ratingField: "win_prob_vs_gpt4_turbo" });
    expect(ds.adapter).toBe("normalized");
    expect(ds.rows.length).toBe(6440);
    expect(ds.scale).toEqual({ min: 0, max: 1, direction: "higher-better" });
    expect(new Set(ds.rows.map((r) => r.promptId)).size).toBe(805);
    expect(ds.rows[0]!.meta?.["model"]).toBeTypeOf("string");
  });

  it.skipIf(!existsSync(hhRaw) || !existsSync(hhNorm))("the HH-RLHF adapter on the raw gzip file matches the normalised file row for row", async () => {
    const raw = await loadRatedDataset(hhRaw);
    const norm = await loadRatedDataset(hhNorm);
    expect(raw.adapter).toBe("hh-rlhf");
    expect(raw.rows.length).toBe(4624);
    expect(raw.rows.map((r) => [r.prompt, r.response, r.rating])).toEqual(norm.rows.map((r) => [r.prompt, r.response, r.rating]));
    expect(raw.rows.filter((r) => r.meta?.["sameContext"] === false).length).toBe(10);
    expect(raw.emptyResponses).toBe(4);
  });
});
