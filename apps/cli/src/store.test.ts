// `implicitrm embed` writes a feature store that `train` and `bench` read in blocks, with the same
// results as the text file it came from.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function ratedFile(dir: string): string {
  const lines = Array.from({ length: 120 }, (_, i) => {
    const score = 1 + (i % 10);
    const response = `${score > 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${i}`;
    return JSON.stringify({ id: `r${i}`, prompt: `question ${i >> 1}`, response, ratings: { uf_score: score }, meta: { prompt_id: `p${i >> 1}` } });
  });
  const path = join(dir, "rated.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const fast = ["--epochs", "2", "--hidden", "8", "--quiet", "--backend", "cpu"];

describe("implicitrm embed → a feature store for train and bench", () => {
  it("embeds rated data, trains on the store as on the file, and benches on it", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-store-"));
    const data = ratedFile(dir);
    const store = join(dir, "store");
    const embedded = cli(["embed", "--data", data, "--encoder", "hashing:128", "--out", store, "--block-rows", "32", "--quiet"], dir);
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(embedded.stdout).toMatch(/feature store written to .*store: 120 rows × 128 \(rated, hashing/);
    expect(readdirSync(store).filter((f) => f.startsWith("features-"))).toHaveLength(4);
    const again = cli(["embed", "--data", data, "--out", store, "--quiet"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const fromStore = cli(["train", "--data", store, ...fast, "--out", join(dir, "a")], dir);
    const fromFile = cli(["train", "--data", data, "--encoder", "hashing:128", ...fast, "--out", join(dir, "b")], dir);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const model = (d: string) => JSON.parse(readFileSync(join(dir, d, "model.json"), "utf8")).heads;
    expect(model("a")).toEqual(model("b"));
    // the run trained from the store names the store's encoder, not the --encoder default
    expect(JSON.parse(readFileSync(join(dir, "a", "config.json"), "utf8")).encoder).toBe("hashing:128");
    const record = (d: string) => JSON.parse(readFileSync(join(dir, d, "record.json"), "utf8"));
    expect(record("a").encoder).toMatchObject({ spec: "hashing:128", id: "hashing-128", dim: 128 });
    expect(record("a").encoder).toEqual(record("b").encoder);
    expect(record("a").normalization).toEqual(record("b").normalization);
    expect(fromStore.stdout.split("\n").find((l) => l.startsWith("test AUROC"))).toBe(fromFile.stdout.split("\n").find((l) => l.startsWith("test AUROC")));

    const bench = cli(["bench", "--data", store, "--methods", "naive", "--seeds", "1", "--epochs", "2", "--hidden", "8", "--backend", "cpu", "--quiet", "--out", join(dir, "r.json")], dir);
    expect(bench.code, bench.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "r.json"), "utf8"))[0]).toMatchObject({ method: "naive", dataset: "store" });
  });

  it("a damaged or foreign store is a clear error, not a trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-store-"));
    const store = join(dir, "store");
    expect(cli(["embed", "--data", ratedFile(dir), "--encoder", "hashing:16", "--out", store, "--quiet"], dir).code).toBe(0);
    const header = JSON.parse(readFileSync(join(store, "header.json"), "utf8"));
    writeFileSync(join(store, "header.json"), JSON.stringify({ ...header, version: 9 }));
    const res = cli(["train", "--data", store, ...fast, "--out", join(dir, "c")], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/header\.json field "version": not a usable feature store header: version 9 is not supported/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "c"))).toBe(false);
  });
});
