// `implicitrm score` end to end: real processes, real files; the rewards equal the library's (both
// on the cpu backend: another backend rounds the heads' float32 sums differently, ~1e-7 in a logit).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type RewardScorer, loadRewardModel } from "@implicitrm/serve";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const SHARED = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 300_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const readLines = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

type Row = { id: string; prompt: string; response: string; ratings: { uf_score: number }; meta: { prompt_id: string } };
const rows: Row[] = Array.from({ length: 90 }, (_, i) => ({
  id: `r${i}`,
  prompt: `question ${i >> 1}`,
  response: `${i % 10 >= 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${i}`,
  ratings: { uf_score: 1 + (i % 10) },
  meta: { prompt_id: `p${i >> 1}` },
}));
const fast = ["--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu"];

describe("implicitrm score", () => {
  const dir = mkdtempSync(join(tmpdir(), "implicitrm-score-"));
  const data = join(dir, "rated.jsonl");
  const model = join(dir, "m");
  let scorer: RewardScorer;

  beforeAll(async () => {
    writeFileSync(data, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const t = cli(["train", "--data", data, "--encoder", "hashing:64", ...fast, "--out", model], dir);
    expect(t.code, t.stderr).toBe(0);
    scorer = await loadRewardModel(model, { backend: "cpu" });
  });
  afterAll(() => scorer?.dispose());

  it("one line per row in input order, {id, reward, logit, score}, equal to the library's to 1e-6", async () => {
    const out = join(dir, "scores.jsonl");
    const res = cli(["score", "--model", model, "--data", data, "--out", out, "--batch-size", "7", "--backend", "cpu"], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^rows 90 {2}reward min -?\d/);
    expect(res.stderr).toMatch(/score: 90 rows \(90 responses\) in .* responses\/s, with hashing-64/);
    const lines = readLines(out);
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
    expect(Object.keys(lines[0]).sort()).toEqual(["id", "logit", "reward", "score"]);
    const lib = await scorer.score(rows);
    const { mean, std } = scorer.info.normalization;
    lines.forEach((l, i) => {
      expect(Math.abs(l.logit - lib[i]!.logit)).toBeLessThan(1e-6);
      expect(Math.abs(l.reward - lib[i]!.reward)).toBeLessThan(1e-6);
      expect(Math.abs(l.score - lib[i]!.score)).toBeLessThan(1e-6);
      expect(l.reward).toBeCloseTo((l.logit - mean) / std, 9);
      expect(l.score).toBeCloseTo(1 / (1 + Math.exp(-l.logit)), 9);
    });
  });

  it("CSV with other column names, gzip JSONL, and pairs (TRL's summary) give the same rewards", async () => {
    const lib = await scorer.score(rows);
    const csv = join(dir, "t.csv");
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(csv, `key,question,answer\n${rows.map((r) => `${r.id},${q(r.prompt)},${q(r.response)}`).join("\n")}\n`);
    const a = cli(["score", "--model", model, "--data", csv, "--out", join(dir, "a.jsonl"), "--prompt-field", "question", "--response-field", "answer", "--id-field", "key", "--quiet", "--backend", "cpu"], dir);
    expect(a.code, a.stderr).toBe(0);
    const gz = join(dir, "t.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(data)));
    const b = cli(["score", "--model", model, "--data", gz, "--out", join(dir, "b.jsonl"), "--quiet", "--backend", "cpu"], dir);
    expect(b.code, b.stderr).toBe(0);
    for (const f of ["a.jsonl", "b.jsonl"]) {
      const lines = readLines(join(dir, f));
      expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
      lines.forEach((l, i) => {
        expect(Math.abs(l.reward - lib[i]!.reward)).toBeLessThan(1e-6);
      });
    }
    // pairs: rows 2k (worse) and 2k+1 share a prompt; chosen = the better one
    const pairs = join(dir, "pairs.jsonl");
    const pairRows = Array.from({ length: 45 }, (_, k) => ({ prompt: rows[2 * k]!.prompt, chosen: rows[2 * k + 1]!.response, rejected: rows[2 * k]!.response }));
    writeFileSync(pairs, pairRows.map((p) => `${JSON.stringify(p)}\n`).join(""));
    const c = cli(["score", "--model", model, "--data", pairs, "--out", join(dir, "c.jsonl"), "--quiet", "--backend", "cpu"], dir);
    expect(c.code, c.stderr).toBe(0);
    const lines = readLines(join(dir, "c.jsonl"));
    expect(lines).toHaveLength(45);
    lines.forEach((l, k) => {
      expect(l.id).toBe(k);
      expect(Math.abs(l.chosen.reward - lib[2 * k + 1]!.reward)).toBeLessThan(1e-6);
      expect(Math.abs(l.rejected.reward - lib[2 * k]!.reward)).toBeLessThan(1e-6);
      expect(l.margin).toBeCloseTo(l.chosen.reward - l.rejected.reward, 9);
    });
    const acc = lines.filter((l) => l.chosen.logit > l.rejected.logit).length / 45;
    const margin = lines.reduce((s, l) => s + l.margin, 0) / 45;
    expect(c.stdout).toContain(`pairs 45  accuracy ${acc.toFixed(4)}  mean margin ${margin.toFixed(4)}  reward min`);
  });

  it("a bad row names file, line and field (and no output is left); --on-bad-row skip counts it; an empty response gets nulls", () => {
    const bad = join(dir, "bad.jsonl");
    const out = join(dir, "bad-out.jsonl");
    writeFileSync(bad, `${JSON.stringify({ id: "a", prompt: "p", response: "fine" })}\n{not json\n${JSON.stringify({ id: "c", prompt: "p", answer: "x" })}\n${JSON.stringify({ id: "d", response: "  " })}\n`);
    const fail = cli(["score", "--model", model, "--data", bad, "--out", out, "--quiet"], dir);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/bad\.jsonl:2: invalid JSON/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(bad, `${JSON.stringify({ id: "a", prompt: "p", response: "fine" })}\n${JSON.stringify({ id: "c", prompt: "p", answer: "x" })}\n`);
    const missing = cli(["score", "--model", model, "--data", bad, "--out", out, "--quiet"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/bad\.jsonl:2 field "response": missing field "response"/);
    writeFileSync(bad, `${JSON.stringify({ id: "a", prompt: "p", response: "fine" })}\n{not json\n${JSON.stringify({ id: "c", answer: "x" })}\n${JSON.stringify({ id: "d", response: "  " })}\n`);
    const skip = cli(["score", "--model", model, "--data", bad, "--out", out, "--on-bad-row", "skip", "--quiet"], dir);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/badJson.*1|1.*badJson/);
    expect(skip.stderr).toMatch(/1 empty response not scored/);
    const lines = readLines(out);
    expect(lines.map((l) => l.id)).toEqual(["a", "d"]);
    expect(lines[1]).toEqual({ id: "d", reward: null, logit: null, score: null, empty: true });
  });

  it("refuses a missing flag and a model directory without record.json, and lists its flags in --help", () => {
    expect(cli(["score", "--model", model, "--data", data], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--out is required/) });
    const none = cli(["score", "--model", dir, "--data", data, "--out", join(dir, "x.jsonl")], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/record\.json: missing/);
    const help = cli(["score", "--help"], dir);
    expect(help.code).toBe(0);
    for (const flag of ["--model", "--data", "--out", "--batch-size", "--on-bad-row", "--prompt-field", "--response-field"]) expect(help.stdout).toContain(flag);
  });
});

describe("implicitrm score on ../shared/data", () => {
  const uf = join(SHARED, "ultrafeedback_binarized_subset", "ultrafeedback_binarized_subset.jsonl");
  const hhRaw = join(SHARED, "hh_rlhf_harmless_base_test", "raw", "harmless-base_test.jsonl.gz");
  const hhRows = join(SHARED, "hh_rlhf_harmless_base_test", "hh_rlhf_harmless_base_test.jsonl");
  const present = [uf, hhRaw, hhRows].every((f) => existsSync(f));
  if (!present) console.log(`skipping the shared-data score tests: ${SHARED} is absent`);

  it.skipIf(!present)("trains on UltraFeedback (hashing), scores it equal to the library, and scores HH-RLHF harmless pairs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-score-shared-"));
    const model = join(dir, "uf");
    const t = cli(["train", "--data", uf, "--epochs", "2", "--hidden", "32", "--quiet", "--backend", "cpu", "--out", model], dir);
    expect(t.code, t.stderr).toBe(0);
    const s = cli(["score", "--model", model, "--data", uf, "--out", join(dir, "uf.jsonl"), "--quiet", "--backend", "cpu"], dir);
    expect(s.code, s.stderr).toBe(0);
    const src = readFileSync(uf, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; prompt: string; response: string });
    const lines = readLines(join(dir, "uf.jsonl"));
    expect(lines).toHaveLength(src.length);
    const scorer = await loadRewardModel(model, { backend: "cpu" });
    try {
      const kept = src.map((r, i) => ({ r, i })).filter(({ r }) => r.response.trim() !== "");
      const lib = await scorer.score(kept.map(({ r }) => r));
      kept.forEach(({ i }, k) => {
        expect(lines[i].id).toBe(src[i]!.id);
        expect(Math.abs(lines[i].reward - lib[k]!.reward)).toBeLessThan(1e-6);
        expect(Math.abs(lines[i].logit - lib[k]!.logit)).toBeLessThan(1e-6);
      });
      // HH-RLHF's raw full-text pairs: split at the last "\n\nAssistant:", as the normalised rows were
      const h = cli(["score", "--model", model, "--data", hhRaw, "--out", join(dir, "hh.jsonl"), "--quiet", "--backend", "cpu"], dir);
      expect(h.code, h.stderr).toBe(0);
      const pairs = readLines(join(dir, "hh.jsonl"));
      expect(pairs).toHaveLength(2312);
      const both = pairs.filter((p) => p.margin !== null);
      const acc = both.filter((p) => p.chosen.logit > p.rejected.logit).length / both.length;
      expect(h.stdout).toContain(`pairs ${both.length}  accuracy ${acc.toFixed(4)}`);
      const normalised = new Map(
        readFileSync(hhRows, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { id: string; prompt: string; response: string })
          .map((r) => [r.id, r]),
      );
      const sample = pairs.slice(0, 200).filter((p) => p.margin !== null);
      const want = await scorer.score(sample.map((p) => normalised.get(`hh_harmless_test/${String(p.id).padStart(4, "0")}/chosen`)!));
      sample.forEach((p, k) => {
        expect(Math.abs(p.chosen.reward - want[k]!.reward)).toBeLessThan(1e-6);
      });
      console.log(`hh-rlhf harmless pairs scored by an UltraFeedback-trained model: accuracy ${acc.toFixed(4)} over ${both.length} pairs`);
    } finally {
      await scorer.dispose();
    }
  });
});
