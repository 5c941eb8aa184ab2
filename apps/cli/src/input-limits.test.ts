// Bad numbers, empty files and memory-sized requests through the real command (issue 15, classes 9
// and 10): each is one clear message naming the file, line and field (or what to change), never a
// stack trace, and a bad row can be dropped with --on-bad-row skip.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const fast = ["--epochs", "1", "--hidden", "8", "--quiet", "--backend", "cpu"];
const generic = ["--prompt-field", "prompt", "--response-field", "response", "--direction", "higher-better"];

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 26 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A generic CSV of 40 rows with prompt, response and `column`; `value(i)` gives row i's rating text. */
function csv(dir: string, name: string, column: string, value: (i: number) => string): string {
  const rows = Array.from({ length: 40 }, (_, i) => `question ${i % 8},${i % 2 ? "a clear helpful answer" : "a vague reply"} ${i},${value(i)}`);
  const file = join(dir, name);
  writeFileSync(file, `prompt,response,${column}\n${rows.join("\n")}\n`);
  return file;
}

const noTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |internal error/);

describe("implicitrm train: bad numbers and empty files", () => {
  it("an empty .jsonl names the file and says it is empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-in-"));
    writeFileSync(join(dir, "empty.jsonl"), "");
    const res = cli(["train", "--data", join(dir, "empty.jsonl"), ...fast, "--out", join(dir, "out")], dir);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/empty\.jsonl: the file is empty \(no records\)/);
    noTrace(res.stderr);
  });

  it("a CSV rating 1e999 is refused at its file, 1-based line and field, and --on-bad-row skip drops it", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-in-"));
    const file = csv(dir, "inf.csv", "rating", (i) => (i === 3 ? "1e999" : String(1 + (i % 5))));
    const res = cli(["train", "--data", file, ...fast, ...generic, "--rating-field", "rating", "--out", join(dir, "out")], dir);
    expect(res.code, res.stderr).toBe(1);
    // the header is line 1, so row 3 (0-based) is line 5
    expect(res.stderr).toMatch(/inf\.csv:5.*rating.*"1e999" overflows to Infinity.*\[badRating\]/);
    noTrace(res.stderr);
    const skipped = cli(["train", "--data", file, ...fast, ...generic, "--rating-field", "rating", "--on-bad-row", "skip", "--out", join(dir, "out")], dir);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/skipped 1 bad row: badRating 1/);
  });

  it("a generic CSV with ratings ±1e308 and no declared scale names the file, line and field (no overflow later)", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-in-"));
    const file = csv(dir, "big.csv", "grade", (i) => (i % 2 ? "1e308" : "-1e308"));
    const res = cli(["train", "--data", file, ...fast, ...generic, "--rating-field", "grade", "--out", join(dir, "out")], dir);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/big\.csv:2.*grade.*-1e\+308 is larger in magnitude than 3\.403e\+38.*rescale the column \[badRating\]/);
    expect(res.stderr).not.toMatch(/not a finite number/);
    noTrace(res.stderr);
  });
});

describe("implicitrm train: memory-sized requests (class 9)", () => {
  const dir = mkdtempSync(join(tmpdir(), "implicitrm-in-"));
  const file = csv(dir, "ok.csv", "rating", (i) => String(1 + (i % 5)));
  const train = (extra: string[]) => cli(["train", "--data", file, "--epochs", "1", "--quiet", "--backend", "cpu", ...generic, "--rating-field", "rating", ...extra, "--out", join(dir, "out")], dir);

  it("--encoder hashing:16777216 (the largest dimension) is one ConfigError saying how much memory it needs", () => {
    const t = Date.now();
    const res = train(["--encoder", "hashing:16777216"]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/a head of 16777216 inputs and hidden \[256, 64\] has 4,294,984,065 weights: 16\.0 GiB as float32 .*use a smaller feature dimension \(e\.g\. --encoder hashing:65536\)/);
    noTrace(res.stderr);
    expect(Date.now() - t).toBeLessThan(60_000);
  });

  it("vectors over the memory budget are refused before they are encoded", () => {
    const big = csv(dir, "more.csv", "rating", (i) => String(1 + (i % 5)));
    writeFileSync(big, `prompt,response,rating\n${Array.from({ length: 80 }, (_, i) => `q${i % 8},answer ${i},${1 + (i % 5)}`).join("\n")}\n`);
    const res = cli(["train", "--data", big, "--epochs", "1", "--quiet", "--backend", "cpu", ...generic, "--rating-field", "rating", "--hidden", "8", "--encoder", "hashing:16777216", "--out", join(dir, "out2")], dir);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/80 rows × dim 16,777,216 × 4 bytes need 5\.0 GiB of memory for the vectors, more than the budget of 4\.0 GiB/);
    noTrace(res.stderr);
  });
});

describe("implicitrm train: a gzip bomb and a huge line in bounded memory (class 12)", () => {
  /** Runs the command in a child that prints its peak RSS (process.resourceUsage().maxRSS, KiB) on exit. */
  function peakRss(args: string[], cwd: string) {
    const probe = `process.on("exit", () => process.stderr.write("\\nmaxRSS " + process.resourceUsage().maxRSS + "\\n")); process.argv.splice(1, 0, ${JSON.stringify(bin)}); await import(${JSON.stringify(pathToFileURL(bin).href)});`;
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", probe, "--", ...args], { cwd, encoding: "utf8", timeout: 120_000 });
    const kib = Number(/maxRSS (\d+)/.exec(res.stderr)?.[1]);
    return { code: res.status, stderr: res.stderr, mib: kib / 1024 };
  }

  it("a gzip bomb (512 MB of zeros in 0.5 MB) and a 160 MB line are refused at the line limit, under 400 MB RSS", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-in-"));
    const member = gzipSync(Buffer.alloc(64 << 20), { level: 1 });
    writeFileSync(join(dir, "bomb.jsonl.gz"), Buffer.concat(Array.from({ length: 8 }, () => member)));
    writeFileSync(join(dir, "line.jsonl"), `${JSON.stringify({ id: "a", prompt: "q", response: "x".repeat(160 << 20), ratings: { uf_score: 3 }, meta: { prompt_id: "p" } })}\n`);
    for (const name of ["bomb.jsonl.gz", "line.jsonl"]) {
      const res = peakRss(["train", "--data", join(dir, name), ...fast, "--encoder", "hashing:32", "--out", join(dir, "out")], dir);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`${name.replace(/\./g, "\\.")}:1: the line is longer than 128 MB \\(the line limit\\)`));
      noTrace(res.stderr);
      expect(res.mib, name).toBeLessThan(400);
    }
  });
});
