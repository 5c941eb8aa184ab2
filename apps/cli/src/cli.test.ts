// End-to-end tests of the built `implicitrm` command: real processes, real files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function workdir(): string {
  return mkdtempSync(join(tmpdir(), "implicitrm-cli-"));
}

/** A features file: 40 rows of 3 features, r and rStar; `edit` changes row i before writing. */
function featuresFile(dir: string, edit: (row: Record<string, unknown>, i: number) => void = () => {}): string {
  const lines = [];
  for (let i = 0; i < 40; i++) {
    const row: Record<string, unknown> = { id: `row${i}`, features: [i / 40, (i % 7) / 7, 1], r: i % 3 === 0 ? 1 : 0, rStar: i % 2 === 0 ? 1 : 0 };
    edit(row, i);
    lines.push(JSON.stringify(row).replace('"__NaN__"', "NaN"));
  }
  const path = join(dir, "features.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const fast = ["--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu"];

describe("implicitrm train: bad input is a clear error, a non-zero exit and no output", () => {
  const cases: Array<{ name: string; setup: (dir: string) => string[]; code: number; message: RegExp }> = [
    {
      name: "a config with an unknown key",
      setup: (dir) => {
        writeFileSync(join(dir, "cfg.json"), JSON.stringify({ lr: 0.001, learningRate: 0.1 }));
        return ["--config", join(dir, "cfg.json")];
      },
      code: 2,
      message: /config file .*cfg\.json: unknown key "learningRate"; known keys: .*lr/,
    },
    { name: "a negative learning rate", setup: () => ["--lr=-0.01"], code: 2, message: /"lr" must be a positive number, got -0\.01/ },
    { name: "an unknown flag", setup: () => ["--learning-rate", "1"], code: 2, message: /Unknown option '--learning-rate'.*implicitrm train --help/ },
    {
      name: "features with NaN",
      setup: (dir) => ["--data", featuresFile(dir, (row, i) => i === 6 && ((row.features as unknown[])[1] = "__NaN__"))],
      code: 1,
      message: /features\.jsonl:7: not valid JSON/,
    },
    {
      name: "features with null",
      setup: (dir) => ["--data", featuresFile(dir, (row, i) => i === 4 && ((row.features as unknown[])[2] = null))],
      code: 1,
      message: /features\.jsonl:5 field "features\[2\]": null is not a finite number/,
    },
    {
      name: "a dataset with no positives",
      setup: (dir) => ["--data", featuresFile(dir, (row) => (row.r = 0))],
      code: 1,
      message: /no positives .*check the rating direction/,
    },
    {
      name: "r outside {0, 1}",
      setup: (dir) => ["--data", featuresFile(dir, (row, i) => i === 9 && (row.r = 2))],
      code: 1,
      message: /features\.jsonl:10 field "r": must be 0 or 1, got 2/,
    },
  ];
  it.each(cases)("$name", ({ setup, code, message }) => {
    const dir = workdir();
    const args = setup(dir);
    const res = cli(["train", ...args, ...fast, "--out", join(dir, "ckpt")], dir);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, "ckpt"))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});

describe("implicitrm train", () => {
  it("writes a checkpoint directory with weights, config and metrics", () => {
    const dir = workdir();
    const res = cli(["train", "--data", "synthetic", ...fast, "--seed", "3", "--out", join(dir, "ckpt")], dir);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/test AUROC 0\.\d+/);
    expect(readdirSync(join(dir, "ckpt")).sort()).toEqual(["checkpoints", "config.json", "metrics.json", "model.json", "record.json"]);
    const config = JSON.parse(readFileSync(join(dir, "ckpt", "config.json"), "utf8"));
    expect(config).toMatchObject({ seed: 3, epochs: 2, hidden: [8], objective: "implicitrm", backend: "cpu" });
    const metrics = JSON.parse(readFileSync(join(dir, "ckpt", "metrics.json"), "utf8"));
    expect(metrics.test.auroc).toBeGreaterThan(0.5);
    expect(metrics.history).toHaveLength(2);
    expect(metrics.selection).toBe("observed-nll");
  });

  it("trains on a features file without clean labels and skips test metrics", () => {
    const dir = workdir();
    const data = featuresFile(dir, (row) => delete row.rStar);
    const res = cli(["train", "--data", data, ...fast, "--out", join(dir, "ckpt")], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/test metrics skipped/);
    expect(JSON.parse(readFileSync(join(dir, "ckpt", "metrics.json"), "utf8")).test).toBeNull();
  });
});

/** A rated dataset in the normalised layout of ../shared/data: 120 rows, 2 responses per prompt, grade 1..10. */
function ratedFile(dir: string, bad?: (lines: string[]) => void): string {
  const words = ["clear", "wrong", "helpful", "vague", "precise", "rude", "thorough", "short"];
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const score = 1 + (i % 10);
    const response = `${score > 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${words[i % words.length]} ${i}`;
    lines.push(JSON.stringify({ id: `r${i}`, prompt: `question ${Math.floor(i / 2)}`, response, ratings: { uf_score: score }, meta: { prompt_id: `p${Math.floor(i / 2)}` } }));
  }
  bad?.(lines);
  const path = join(dir, "rated.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("text data", () => {
  it("trains on a rated JSONL file with the hashing encoder", () => {
    const dir = workdir();
    const res = cli(["train", "--data", ratedFile(dir), "--encoder", "hashing:256", ...fast, "--out", join(dir, "ckpt")], dir);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/encoded 120 rows with hashing/);
    const metrics = JSON.parse(readFileSync(join(dir, "ckpt", "metrics.json"), "utf8"));
    expect(metrics.datasetInfo).toMatchObject({ adapter: "normalized", ratingField: "uf_score", dim: 256 });
    expect(metrics.test.auroc).toBeGreaterThan(0);
  });

  it("reports a malformed row with file and line, or skips and counts it", () => {
    const dir = workdir();
    const data = ratedFile(dir, (lines) => {
      lines[6] = "{not json";
      lines[10] = lines[10]!.replace('"uf_score":1', '"uf_score":"high"');
    });
    const failed = cli(["train", "--data", data, ...fast, "--out", join(dir, "ckpt")], dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/rated\.jsonl:7/);
    expect(existsSync(join(dir, "ckpt"))).toBe(false);
    const skipped = cli(["train", "--data", data, "--on-bad-row", "skip", ...fast, "--out", join(dir, "ckpt")], dir);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/skipped 2 bad rows: .*badJson 1/);
  });

  it("trains on an implicit-feedback log (no clean labels, so no test metrics)", () => {
    const dir = workdir();
    const lines = Array.from({ length: 80 }, (_, i) =>
      JSON.stringify({ prompt: `q${i >> 1}`, response: i % 3 ? "a useful code answer" : "meh", actions: { copy: i % 3 !== 0 && i % 2 === 0 } }),
    );
    writeFileSync(join(dir, "log.jsonl"), `${lines.join("\n")}\n`);
    const res = cli(["train", "--data", join(dir, "log.jsonl"), "--encoder", "hashing:64", ...fast, "--out", join(dir, "ckpt")], dir);
    expect(res.stderr).toMatch(/encoded 80 rows/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/test metrics skipped/);
  });
});

describe("implicitrm bench", () => {
  it("prints a Markdown table and writes one JSON row per {method, dataset, seed}", () => {
    const dir = workdir();
    const res = cli(["bench", "--data", "synthetic", "--methods", "implicitrm,naive", "--seeds", "2", "--out", "r.json", ...fast], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\| synthetic \| implicitrm \| (\*\*)?0\.\d{4} ± 0\.\d{4}(\*\*)? \|/);
    const rows = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(rows).toHaveLength(4);
    expect(rows.map((r: { method: string; seed: number }) => `${r.method}:${r.seed}`).sort()).toEqual(["implicitrm:1", "implicitrm:2", "naive:1", "naive:2"]);
    for (const key of ["auroc", "nll", "mae", "rmse", "r2", "pearson", "ece", "ndcg", "recall", "pairwiseAccuracy"]) {
      expect(typeof rows[0].metrics[key]).toBe("number");
    }
  });

  it("rejects an unknown method before training", () => {
    const res = cli(["bench", "--methods", "implicitrm,magic", ...fast], workdir());
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--methods: unknown objective "magic": choose one of .*naive/);
  });
});

describe("identifiability: activity features, diagnostics and the presentation sweep", () => {
  it("train reports the heads' diagnostics, in the output and in metrics.json", () => {
    const dir = workdir();
    const res = cli(["train", "--data", "synthetic", ...fast, "--presentation-share", "0.5", "--objective", "implicitrm:activityHead=linear", "--out", join(dir, "ckpt")], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/heads on validation: mean σ\(f\) 0\.\d{3}, mean σ\(g\) 0\.\d{3}, Pearson -?\d\.\d{3}.*\(activity: linear on context\)/);
    const metrics = JSON.parse(readFileSync(join(dir, "ckpt", "metrics.json"), "utf8"));
    expect(metrics.diagnostics).toMatchObject({ split: "validation", activityInputs: "context", activityHead: "linear", rule: { minPearson: 0.5 } });
    expect(metrics.datasetInfo.presentationShare).toBe(0.5);
    const model = JSON.parse(readFileSync(join(dir, "ckpt", "model.json"), "utf8"));
    expect(model.contextDim).toBe(3);
    expect(model.heads.activity).toMatchObject({ inputDim: 3, hidden: [], input: "context" });
    const config = JSON.parse(readFileSync(join(dir, "ckpt", "config.json"), "utf8"));
    expect(config.objectiveOptions).toEqual({ activityHead: "linear" });
  });

  it("rejects a bad activity option and a prior without clean data", () => {
    const dir = workdir();
    const bad = cli(["train", ...fast, "--objective", "implicitrm:activityInputs=user"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"activityInputs": must be one of auto, content, context, both, got "user"/);
    const data = featuresFile(dir, (row) => delete row.rStar);
    const noTruth = cli(["train", "--data", data, ...fast, "--objective", "implicitrm:activityPrior=oracle@10", "--out", join(dir, "ckpt")], dir);
    expect(noTruth.code).toBe(1);
    expect(noTruth.stderr).toMatch(/activityPrior mean 'oracle' needs the training rows' clean labels/);
  });

  it("an objective option given as a flag of its own (before the one spec) says how to write it", () => {
    const res = cli(["train", ...fast, "--activity-head", "linear"], workdir());
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--activity-head is an objective option now: --objective implicitrm:activityHead=<value>/);
    const labelled = cli(["train", ...fast, "--objective", "x=implicitrm"], workdir());
    expect(labelled.code).toBe(2);
    expect(labelled.stderr).toMatch(/"x=" labels a method in bench tables/);
  });

  it("a log's context fields become the activity head's features", () => {
    const dir = workdir();
    const lines = Array.from({ length: 80 }, (_, i) =>
      JSON.stringify({
        prompt: `q${i >> 1}`,
        response: i % 3 ? "a useful code answer" : "meh",
        actions: { copy: i % 3 !== 0 && i % 2 === 0 },
        context: { position: i % 2, device: i % 4 < 2 ? "mobile" : "desktop" },
      }),
    );
    writeFileSync(join(dir, "log.jsonl"), `${lines.join("\n")}\n`);
    const res = cli(["train", "--data", join(dir, "log.jsonl"), "--encoder", "hashing:64", ...fast, "--out", join(dir, "ckpt")], dir);
    expect(res.code).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, "ckpt", "model.json"), "utf8"));
    expect(model.contextDim).toBe(4); // responseLength, device=desktop, device=mobile, position
  });

  it("bench --presentation-sweep writes rows with w and diagnostics, labelled methods, and a three-panel SVG", () => {
    const dir = workdir();
    const res = cli(
      ["bench", "--data", "synthetic", "--methods", "symmetric=implicitrm:activityInputs=content,naive", "--seeds", "1", "--presentation-sweep", "0,1", "--out", "r.json", ...fast],
      dir,
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\| dataset \| w \| method \|/);
    expect(res.stdout).toMatch(/Head diagnostics on the validation split/);
    expect(res.stdout).toMatch(/\| synthetic \| 1 \| symmetric \| mlp on content \|/);
    const rows = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(rows.map((r: { method: string; presentationShare: number }) => `${r.method}@${r.presentationShare}`)).toEqual(["symmetric@0", "naive@0", "symmetric@1", "naive@1"]);
    expect(rows[0].diagnostics).toMatchObject({ activityInputs: "content", activityHead: "mlp" });
    expect(rows[1].diagnostics).toBeUndefined();
    expect(typeof rows[0].metrics.rateError).toBe("number");
    const svg = readFileSync(join(dir, "r.svg"), "utf8");
    expect(svg).toContain("presentation share w");
    expect(svg).toContain("|mean r̂ − TPR| ↓");
    expect(svg.match(/<path /g)).toHaveLength(6); // 2 methods × 3 panels
  });
});
