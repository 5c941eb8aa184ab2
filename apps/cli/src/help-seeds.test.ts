// Through the built command: `bench --seeds` as a count or a list, "n/a" for one seed, and every
// flag's default in `--help`, read from the code's defaults (so the help cannot drift from them).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getObjective } from "@implicitrm/core";
import { DEFAULT_EMBED_CHUNK_ROWS, DEFAULT_TRAINER_CONFIG } from "@implicitrm/trainer";
import { describe, expect, it } from "vitest";
import { seedsFlag, showDefault } from "./flags.js";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const fast = ["--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu", "--methods", "naive"];

describe("bench --seeds", () => {
  it("parses a count as 1..n and a list as those seeds, in order", () => {
    expect(seedsFlag(undefined, 3)).toEqual([1, 2, 3]);
    expect(seedsFlag("2", 3)).toEqual([1, 2]);
    expect(seedsFlag("1,7,11", 3)).toEqual([1, 7, 11]);
    expect(seedsFlag("7,", 3)).toEqual([7]);
    expect(() => seedsFlag("0", 3)).toThrow(/positive integer/);
    expect(() => seedsFlag("1,x", 3)).toThrow(/must be an integer, got "x"/);
    expect(() => seedsFlag("1,2.5", 3)).toThrow(/must be an integer/);
    expect(() => seedsFlag("3,3", 3)).toThrow(/listed twice/);
  });

  it("runs the listed seeds and writes one row each", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-seeds-"));
    const res = cli(["bench", "--seeds", "11,7", "--out", "r.json", ...fast], dir);
    expect(res.code).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as Array<{ seed: number }>;
    expect(rows.map((r) => r.seed)).toEqual([11, 7]);
    expect(res.stdout).toContain("Mean ± std over 2 seeds");
    expect(res.stdout).not.toContain("n/a");
  });

  it('writes "n/a", not "± 0.0000", for the spread of a single seed', () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-seeds-"));
    const res = cli(["bench", "--seeds", "5,", ...fast], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\| synthetic \| naive \| (\*\*)?0\.\d{4} ± n\/a(\*\*)? \|/);
    expect(res.stdout).not.toContain("± 0.0000");
    expect(res.stdout).toContain("over 1 seed (std n/a)");
  });

  it("refuses a bad seed list with exit code 2 before training", () => {
    const res = cli(["bench", "--seeds", "1,1", ...fast], mkdtempSync(join(tmpdir(), "implicitrm-seeds-")));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/seed 1 is listed twice/);
  });
});

describe("--help shows every flag's default, from the code", () => {
  const D = DEFAULT_TRAINER_CONFIG;
  const line = (help: string, flag: string) => {
    const at = help.indexOf(`  ${flag} `);
    expect(at, `${flag} in the help`).toBeGreaterThanOrEqual(0);
    // a flag's description may run onto the next (indented) line
    return help.slice(at, help.indexOf("\n  --", at + 3) === -1 ? undefined : help.indexOf("\n  --", at + 3));
  };

  it("train", () => {
    const help = cli(["train", "--help"], tmpdir()).stdout;
    const want: Record<string, unknown> = {
      "--epochs": D.epochs,
      "--patience": D.patience,
      "--lr": D.lr,
      "--batch-size": D.batchSize,
      "--weight-decay": D.weightDecay,
      "--hidden": D.hidden,
      "--seed": D.seed,
      "--sampling": D.sampling,
      "--clip-norm": D.clipNorm,
      "--backend": D.backend,
      "--alpha": D.alpha,
      "--obs-rate": D.observationRate,
      "--presentation-share": D.presentationShare,
      "--encoder": D.encoder,
    };
    for (const [flag, v] of Object.entries(want)) expect(line(help, flag)).toContain(`default ${showDefault(v)}`);
    expect(help).toContain("default 200");
    expect(help).toContain("default 5e-4");
    expect(help).toContain("default 1e-6");
    expect(help).toContain("default 512");
    expect(help).toContain(`activityHead=<h>       mlp | linear | scalar (default ${(getObjective("implicitrm").defaults as { activityHead: string }).activityHead})`);
  });

  it("bench", () => {
    const help = cli(["bench", "--help"], tmpdir()).stdout;
    for (const [flag, v] of Object.entries({ "--epochs": D.epochs, "--patience": D.patience, "--lr": D.lr, "--batch-size": D.batchSize, "--weight-decay": D.weightDecay, "--hidden": D.hidden, "--k": D.negativesPerPositive })) {
      expect(line(help, flag)).toContain(`default ${showDefault(v)}`);
    }
    expect(line(help, "--seeds")).toContain("default 3");
    expect(line(help, "--methods")).toContain("default implicitrm,naive,oracle");
  });

  it("embed", () => {
    const help = cli(["embed", "--help"], tmpdir()).stdout;
    expect(line(help, "--chunk-rows")).toContain(`default ${DEFAULT_EMBED_CHUNK_ROWS}`);
    expect(line(help, "--encoder")).toContain("default hashing");
    expect(line(help, "--on-bad-row")).toContain("default fail");
  });
});
