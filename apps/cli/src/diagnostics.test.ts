// Through the built command: train and bench print the heads' diagnostics with a one-line reading
// per check, and store them (saturation included) in metrics.json and the bench rows.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const fast = ["--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu"];

describe("head diagnostics in train and bench", () => {
  it("train prints a reading per check and stores saturation in metrics.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-diag-"));
    const res = cli(["train", "--out", "run", ...fast], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ {2}(warning: )?identical heads/m);
    expect(res.stdout).toMatch(/^ {2}(warning: )?saturated activity head/m);
    const metrics = JSON.parse(readFileSync(join(dir, "run", "metrics.json"), "utf8"));
    expect(typeof metrics.diagnostics.saturated).toBe("boolean");
    expect(metrics.diagnostics.saturationRule).toEqual({ maxMean: 0.95, minMean: 0.05, extreme: 0.01 });
    expect(metrics.diagnostics.readings).toHaveLength(2);
    if (metrics.diagnostics.saturated) expect(res.stderr).toMatch(/warning: the activity head is saturated/);
  });

  it("bench stores saturation in its rows and counts it in the diagnostics table", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-diag-"));
    const res = cli(["bench", "--methods", "implicitrm,naive", "--seeds", "1", "--out", "r.json", ...fast], dir);
    expect(res.code).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    const irm = rows.find((r: { method: string }) => r.method === "implicitrm");
    expect(typeof irm.diagnostics.saturated).toBe("boolean");
    expect(typeof irm.diagnostics.extremeActivityShare).toBe("number");
    expect(rows.find((r: { method: string }) => r.method === "naive").diagnostics).toBeUndefined();
    expect(res.stdout).toContain("Saturation rule: mean σ(g) ≥ 0.95 or ≤ 0.05");
    expect(res.stdout).toMatch(/\| warned \| saturated \|/);
  });
});
