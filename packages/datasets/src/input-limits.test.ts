// Issue 15, classes 10–12: bad numbers, wide CSVs, gzip bombs and long lines. Each is a typed
// error naming the file (and line and field where there is one), or a counted skip; limits are
// enforced while reading, so memory stays bounded. Limits are options, set small here to run fast.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConfigError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { loadRatedDataset, readDataFile } from "./node/io.js";
import { streamRecords } from "./node/stream.js";
import { parseRatedDataset } from "./rated.js";
import { MAX_CSV_COLUMNS, parseRecords } from "./readers/records.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { expectDataError } from "./test-utils/fixtures.js";

const generic = { promptField: "prompt", responseField: "response", ratingField: "score", direction: "higher-better" } as const;
const csvOf = (values: string[]) => `prompt,response,score\n${values.map((v, i) => `q${i % 3},answer ${i},${v}`).join("\n")}\n`;

describe("class 10: non-finite and huge ratings, empty files", () => {
  it("a CSV rating that overflows (1e999) is a badRating at file, 1-based line and field, or a counted skip", async () => {
    const data = csvOf(["1", "2", "3", "1e999", "5"]);
    await expectDataError(parseRatedDataset([{ file: "r.csv", data }], generic), { file: "r.csv", line: 5, field: "score" }, /"1e999" overflows to Infinity .*\[badRating\]/);
    const ds = await parseRatedDataset([{ file: "r.csv", data }], { ...generic, onBadRow: "skip" });
    expect([ds.rows.map((r) => r.rating), ds.skipped]).toEqual([[1, 2, 3, 5], { badRating: 1 }]);
  });

  it("ratings beyond a 32-bit float (±1e308) are bad rows at file, line and field", async () => {
    const data = csvOf(["-1e308", "1e308", "3"]);
    await expectDataError(parseRatedDataset([{ file: "r.csv", data }], generic), { file: "r.csv", line: 2, field: "score" }, /larger in magnitude than 3\.403e\+38/);
    const ds = await parseRatedDataset([{ file: "r.csv", data }], { ...generic, onBadRow: "skip" });
    expect([ds.rows.map((r) => r.rating), ds.skipped]).toEqual([[3], { badRating: 2 }]);
    // the largest 32-bit float itself is still accepted
    const ok = await parseRatedDataset([{ file: "r.csv", data: csvOf(["-3.4e38", "3.4e38"]) }], generic);
    expect(ok.rows.map((r) => r.rating)).toEqual([-3.4e38, 3.4e38]);
  });

  it("the simulator rescales a range whose width overflows a double (±1e308) without going non-finite", () => {
    const sim = simulateImplicitFeedback(Float64Array.from([-1e308, 0, 1e308, 5e307]), { direction: "higher-better", seed: 1 });
    expect(Array.from(sim.gradeRescaled)).toEqual([1, 3, 5, 4]);
  });

  it("an empty file names the file and says it is empty", async () => {
    const e = await parseRatedDataset([{ file: "empty.jsonl", data: new Uint8Array(0) }]).catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/^empty\.jsonl: the file is empty \(no records\)/);
    const skipped = await parseRatedDataset([{ file: "bad.jsonl", data: "{nope\n" }], { onBadRow: "skip" }).catch((x) => x);
    expect(skipped.message).toMatch(/^bad\.jsonl: every record was skipped as malformed \(1\)/);
  });
});

describe("class 11: wide CSV", () => {
  /** A CSV with prompt, response, score and `extra` more columns, over `rows` rows. */
  const wide = (extra: number, rows: number) => {
    const head = ["prompt", "response", "score", ...Array.from({ length: extra }, (_, j) => `c${j}`)].join(",");
    const cells = ",0".repeat(extra);
    return `${head}\n${Array.from({ length: rows }, (_, i) => `q${i % 2},answer ${i},${1 + (i % 5)}${cells}`).join("\n")}\n`;
  };

  it("a 200,000-column file parses in bounded time (the header check was quadratic)", async () => {
    const data = wide(200_000, 3);
    const t = performance.now();
    const ds = await parseRecords(data, { file: "wide.csv", maxColumns: 1_000_000 });
    expect(performance.now() - t).toBeLessThan(5_000);
    expect([ds.records.length, Object.keys(ds.records[0]!.value).length]).toEqual([3, 200_003]);
  });

  it("a header over the column limit is a DataError naming the file and line, at once", async () => {
    const t = performance.now();
    await expectDataError(parseRecords(wide(MAX_CSV_COLUMNS, 2), { file: "wide.csv" }), { file: "wide.csv", line: 1 }, /the header has 16387 columns, more than the limit of 16384 \(maxColumns\)/);
    await expectDataError(parseRatedDataset([{ file: "w.csv", data: wide(1_000_000, 1) }], generic), { file: "w.csv", line: 1 }, /1000003 columns/);
    expect(performance.now() - t).toBeLessThan(5_000);
    // duplicate names are still found
    await expectDataError(parseRecords("a,b,a\n1,2,3\n", { file: "d.csv" }), { file: "d.csv", line: 1 }, /names column "a" twice/);
  });
});

describe("class 12: limits enforced while streaming", () => {
  const dir = mkdtempSync(join(tmpdir(), "irm-limits-"));
  /** `n` gzip members of `mb` MiB of `byte` each: a small file that decompresses to n × mb MiB. */
  const bomb = (name: string, byte: number, mb: number, n: number) => {
    const member = gzipSync(Buffer.alloc(mb << 20, byte), { level: 1 });
    const file = join(dir, name);
    writeFileSync(file, Buffer.concat(Array.from({ length: n }, () => member)));
    return file;
  };

  it("a gzip bomb is refused at maxBytes as it decompresses, and a long line at maxLineBytes", async () => {
    const newlines = bomb("nl.jsonl.gz", 0x0a, 4, 8); // 32 MiB of blank lines
    await expectDataError(readDataFile(newlines, { maxBytes: 8 << 20 }), { file: newlines }, /decompresses to more than 8 MB \(the limit\)/);
    const zeros = bomb("zeros.jsonl.gz", 0, 4, 8); // one 32 MiB line
    await expectDataError(readDataFile(zeros, { maxLineBytes: 1 << 20 }), { file: zeros, line: 1 }, /the line is longer than 1 MB \(the line limit\)/);
    // within the default limits the same file is read, and its one line is reported as not JSON
    await expectDataError(loadRatedDataset(zeros, generic), { file: zeros, line: 1 }, /invalid JSON .*\[badJson\]/);
  });

  it("a long line in a plain file is refused at its line number; files within the limits read as before", async () => {
    const file = join(dir, "long.jsonl");
    const ok = JSON.stringify({ prompt: "q", response: "r", score: 3 });
    writeFileSync(file, `${ok}\n${ok}\n${JSON.stringify({ prompt: "q", response: "x".repeat(5000), score: 4 })}\n${ok}\n`);
    await expectDataError(readDataFile(file, { maxLineBytes: 4096 }), { file, line: 3 }, /the line is longer than 4096 bytes \(the line limit\)/);
    expect(Buffer.from(await readDataFile(file)).equals(readFileSync(file))).toBe(true);
    await expectDataError(readDataFile(file, { maxBytes: 100 }), { file }, /holds .* more than the limit of/);
    const gz = join(dir, "ok.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(file)));
    expect(Buffer.from(await readDataFile(gz)).equals(readFileSync(file))).toBe(true);
    await expect(readDataFile(file, { maxLineBytes: 0 })).rejects.toBeInstanceOf(ConfigError);
  });

  it("the line-by-line JSONL stream refuses a long line at its number, and reads lines split across chunks as before", async () => {
    const file = join(dir, "stream.jsonl");
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ prompt: `q${i}`, response: "y".repeat(i % 300), score: i % 5 }));
    rows.splice(1500, 0, JSON.stringify({ prompt: "q", response: "z".repeat(3 << 20), score: 1 }));
    writeFileSync(file, `${rows.join("\n")}\n`);
    const read = async (opts: Parameters<typeof streamRecords>[1]) => {
      const out: unknown[] = [];
      for await (const r of (await streamRecords(file, opts)).records) out.push(r.value);
      return out;
    };
    await expectDataError(read({ maxLineBytes: 1 << 20 }), { file, line: 1501 }, /the line is longer than 1048576 bytes \(the line limit, maxLineBytes\)/);
    const all = await read({});
    expect(all.length).toBe(2001);
    expect(all[1500]).toEqual(JSON.parse(rows[1500]!));
    expect(all[1999]).toEqual(JSON.parse(rows[1999]!));
    const gz = join(dir, "stream.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(file)));
    await expectDataError((async () => { for await (const _ of (await streamRecords(gz, { maxLineBytes: 1 << 20 })).records); })(), { file: gz, line: 1501 }, /line limit/);
  });
});
