// Through the built command: explicit negatives from a features file and from the simulator.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

function featuresFile(dir: string, edit: (row: Record<string, unknown>, i: number) => void): string {
  const lines = [];
  for (let i = 0; i < 60; i++) {
    const row: Record<string, unknown> = { id: `row${i}`, features: [i / 60, (i % 7) / 7, 1], r: i % 3 === 0 ? 1 : 0 };
    edit(row, i);
    lines.push(JSON.stringify(row));
  }
  const path = join(dir, "features.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("explicit negatives through the CLI", () => {
  it("trains ImplicitRM on a features file with explicitNegative rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-neg-"));
    const data = featuresFile(dir, (row, i) => {
      if (i % 3 === 1 && i % 2 === 0) row.explicitNegative = true;
    });
    const res = cli(["train", "--data", data, "--out", "run", ...fast], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/heads on validation/);
  });

  it("refuses a thumbs-down row that also has r = 1, naming the line and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-neg-"));
    const data = featuresFile(dir, (row, i) => {
      if (i === 3) row.explicitNegative = true; // r = 1 on row 3
    });
    const res = cli(["train", "--data", data, "--out", "run", ...fast], dir);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/explicitNegative/);
    expect(res.stderr).toMatch(/r = 0/);
  });

  it("--thumbs-down makes the simulator emit explicit negatives, recorded in metrics.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-neg-"));
    const res = cli(["train", "--thumbs-down", "0.3", "--out", "run", ...fast], dir);
    expect(res.code, res.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(dir, "run", "metrics.json"), "utf8")).datasetInfo;
    expect(info.thumbsDownRate).toBe(0.3);
    expect(info.explicitNegativeRate).toBeGreaterThan(0.03);
    expect(cli(["train", "--thumbs-down", "2", "--out", "run2", ...fast], dir).code).toBe(2);
  });
});
