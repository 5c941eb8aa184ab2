// Bad input through the real command: each case is one clear message with its location and a
// non-zero exit (or, with --on-bad-row skip, a counted skip and a finished run): never a stack trace.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The Parquet writer the datasets package tests with (a devDependency there).
const fromDatasets = createRequire(fileURLToPath(new URL("../../../packages/datasets/package.json", import.meta.url)));
const { parquetWriteBuffer } = (await import(pathToFileURL(fromDatasets.resolve("hyparquet-writer")).href)) as {
  parquetWriteBuffer: (o: { columnData: Array<{ name: string; data: unknown[]; type: string }> }) => ArrayBuffer;
};

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const fast = ["--epochs", "1", "--hidden", "8", "--quiet", "--backend", "cpu", "--encoder", "hashing:32"];

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 26 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const rated = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: `r${i}`, prompt: `question ${i >> 1}`, response: `${i % 10 > 4 ? "a clear helpful answer" : "a vague reply"} ${i}`, ratings: { uf_score: 1 + (i % 10) }, meta: { prompt_id: `p${i >> 1}` }, ...extra });
const lines = (n: number) => Array.from({ length: n }, (_, i) => rated(i));
const feat = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ id: `f${i}`, features: [i / 40, (i % 7) / 7, 1], r: i % 3 === 0 ? 1 : 0, rStar: i % 2, ...extra });

type Case = { name: string; file: (dir: string) => string; code: number; message: RegExp; skip?: RegExp };

const cases: Case[] = [
  {
    name: "bad UTF-8 in a rated JSONL file",
    file: (dir) => {
      const l = lines(60);
      const bytes = Buffer.concat([Buffer.from(`${l.slice(0, 2).join("\n")}\n`), Buffer.from([0xc3, 0x28]), Buffer.from(`${l.slice(2).join("\n")}\n`)]);
      writeFileSync(join(dir, "rated.jsonl"), bytes);
      return join(dir, "rated.jsonl");
    },
    code: 1,
    message: /rated\.jsonl:3: the line is not valid UTF-8 \[badUtf8\]/,
    skip: /skipped 1 bad row: badUtf8 1/,
  },
  {
    name: "a 100 MB single line",
    file: (dir) => {
      const l = lines(60);
      l[4] = `{"id": "huge", "prompt": "${"z".repeat(100 << 20)}`;
      writeFileSync(join(dir, "rated.jsonl"), `${l.join("\n")}\n`);
      return join(dir, "rated.jsonl");
    },
    code: 1,
    message: /rated\.jsonl:5: invalid JSON .*\[badJson\]/,
    skip: /skipped 1 bad row: badJson 1/,
  },
  {
    name: "a truncated gzip",
    file: (dir) => {
      const gz = gzipSync(`${lines(60).join("\n")}\n`);
      writeFileSync(join(dir, "rated.jsonl.gz"), gz.subarray(0, gz.length - 20));
      return join(dir, "rated.jsonl.gz");
    },
    code: 1,
    message: /rated\.jsonl\.gz: not valid gzip data \(unexpected end of file\); the file may be truncated/,
  },
  {
    name: "a Parquet file with the wrong schema",
    file: (dir) => {
      const buf = parquetWriteBuffer({
        columnData: [
          { name: "a", data: [1, 2], type: "DOUBLE" },
          { name: "b", data: ["x", "y"], type: "STRING" },
        ],
      });
      writeFileSync(join(dir, "t.parquet"), new Uint8Array(buf));
      return join(dir, "t.parquet");
    },
    code: 2,
    message: /t\.parquet: cannot recognise the layout from the fields \(a, b\); pass adapter/,
  },
  {
    name: "duplicate ids",
    file: (dir) => {
      const l = lines(60);
      l[7] = rated(3);
      writeFileSync(join(dir, "rated.jsonl"), `${l.join("\n")}\n`);
      return join(dir, "rated.jsonl");
    },
    code: 1,
    message: /rated\.jsonl:8 field "id": duplicate id "r3" \[duplicateId\]/,
    skip: /skipped 1 bad row: duplicateId 1/,
  },
  {
    name: "a NaN rating (null in JSON) and a string rating",
    file: (dir) => {
      const l = lines(60);
      l[9] = rated(9, { ratings: { uf_score: null } });
      l[11] = rated(11, { ratings: { uf_score: "great" } });
      writeFileSync(join(dir, "rated.jsonl"), `${l.join("\n")}\n`);
      return join(dir, "rated.jsonl");
    },
    code: 1,
    message: /rated\.jsonl:10 field "ratings\.uf_score": rating is not a finite number \(got null\) \[badRating\]/,
    skip: /skipped 2 bad rows: badRating 2/,
  },
  {
    name: "duplicate ids in a features file",
    file: (dir) => {
      writeFileSync(join(dir, "f.jsonl"), `${Array.from({ length: 40 }, (_, i) => feat(i === 12 ? 2 : i)).join("\n")}\n`);
      return join(dir, "f.jsonl");
    },
    code: 1,
    message: /f\.jsonl:13 field "id": duplicate id "f2"; ids must be unique \[duplicateId\]/,
    skip: /f\.jsonl: skipped 1 bad row: duplicateId 1/,
  },
  {
    name: "features of another dimension within one file",
    file: (dir) => {
      writeFileSync(join(dir, "f.jsonl"), `${Array.from({ length: 40 }, (_, i) => feat(i, i === 20 ? { features: [1, 2, 3, 4] } : {})).join("\n")}\n`);
      return join(dir, "f.jsonl");
    },
    code: 1,
    message: /f\.jsonl:21 field "features": has 4 values but earlier rows have 3/,
  },
];

describe("implicitrm train on bad input", () => {
  it.each(cases)("$name", ({ file, code, message, skip }) => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-bad-"));
    const data = file(dir);
    const res = cli(["train", "--data", data, ...fast, "--out", join(dir, "out")], dir);
    expect(res.code, res.stderr).toBe(code);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stderr.length).toBeLessThan(2000); // one message, not a dump of the line
    if (skip) {
      const skipped = cli(["train", "--data", data, ...fast, "--on-bad-row", "skip", "--out", join(dir, "out")], dir);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stderr).toMatch(skip);
    }
  });

  it("train and test features of different dimensions: resuming a run on other data is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "implicitrm-bad-"));
    writeFileSync(join(dir, "a.jsonl"), `${Array.from({ length: 40 }, (_, i) => feat(i)).join("\n")}\n`);
    writeFileSync(join(dir, "b.jsonl"), `${Array.from({ length: 40 }, (_, i) => feat(i, { features: [i, 1, 2, 3] })).join("\n")}\n`);
    expect(cli(["train", "--data", join(dir, "a.jsonl"), ...fast, "--out", join(dir, "run")], dir).code).toBe(0);
    const res = cli(["train", "--resume", join(dir, "run"), "--data", join(dir, "b.jsonl"), "--allow-config-change", "--quiet"], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/b\.jsonl: --resume .*trained on 2\d rows of dimension 3, .*b\.jsonl now gives 2\d of dimension 4; resume with the same data/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
