// Bad input across the readers: each case is a DataError/ConfigError with its location, or a counted
// skip under onBadRow 'skip' — never an uncaught crash, never a hang.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { loadImplicitLog, loadRatedDataset } from "./node/io.js";
import { parseImplicitLog } from "./logs.js";
import { parseRatedDataset } from "./rated.js";
import { parseRecords } from "./readers/records.js";
import { expectConfigError, expectDataError } from "./test-utils/fixtures.js";
import { MAX_TEXT_BYTES } from "./readers/bytes.js";

const tmp = () => mkdtempSync(join(tmpdir(), "irm-hard-"));
const generic = { promptField: "prompt", responseField: "response", ratingField: "score", direction: "higher-better" } as const;
const rated = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ id: `r${i}`, prompt: `q${i}`, response: `answer ${i}`, score: 1 + (i % 5), ...extra });
const logged = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ id: `i${i}`, prompt: `q${i}`, response: `answer ${i}`, actions: { copy: i % 2 === 0 }, ...extra });
const enc = (s: string) => Array.from(new TextEncoder().encode(s));

describe("bad UTF-8", () => {
  it("CSV and implicit logs name the line, or skip and count it", async () => {
    const csv = new Uint8Array([...enc("prompt,response,score\np,fine,3\np,"), 0xff, 0xfe, ...enc(",4\np,ok,5\n")]);
    await expectDataError(parseRatedDataset([{ file: "a.csv", data: csv }], generic), { file: "a.csv", line: 3 }, /not valid UTF-8 \[badUtf8\]/);
    const ds = await parseRatedDataset([{ file: "a.csv", data: csv }], { ...generic, onBadRow: "skip" });
    expect([ds.rows.length, ds.skipped]).toEqual([2, { badUtf8: 1 }]);
    const log = new Uint8Array([...enc(`${logged(0)}\n${logged(1).slice(0, 20)}`), 0xc3, 0x28, ...enc(`${logged(1).slice(20)}\n${logged(2)}\n`)]);
    await expectDataError(parseImplicitLog(log, { file: "l.jsonl" }), { file: "l.jsonl", line: 2 }, /UTF-8/);
    const parsed = await parseImplicitLog(log, { file: "l.jsonl", onBadRow: "skip" });
    expect([parsed.rows.map((r) => r.id), parsed.skipped]).toEqual([["i0", "i2"], { badUtf8: 1 }]);
  });
});

describe("a 100 MB single line", () => {
  it("of broken JSON is an error at its line, or one counted skip, in seconds", async () => {
    const dir = tmp();
    const file = join(dir, "big.jsonl");
    writeFileSync(file, `${rated(0)}\n{"prompt": "${"a".repeat(100 << 20)}\n${rated(2)}\n`);
    const t = Date.now();
    await expectDataError(loadRatedDataset(file, generic), { file, line: 2 }, /invalid JSON .*\[badJson\]/);
    const ds = await loadRatedDataset(file, { ...generic, onBadRow: "skip" });
    expect([ds.rows.length, ds.skipped]).toEqual([2, { badJson: 1 }]);
    expect(Date.now() - t).toBeLessThan(30_000);
  });

  it("inside an unterminated CSV quote is an error at the record's line", async () => {
    const dir = tmp();
    const file = join(dir, "big.csv");
    writeFileSync(file, `prompt,response,score\np,r,3\np,"${"y".repeat(100 << 20)}\n`);
    await expectDataError(loadRatedDataset(file, generic), { file, line: 3 }, /malformed CSV record \(unterminated quoted field\) \[badCsv\]/);
  });

  it("a text too long for one JavaScript string is a clear error, not a crash", async () => {
    const huge = new Uint8Array(MAX_TEXT_BYTES + 1);
    await expectDataError(parseRecords(huge, { file: "huge.jsonl" }), { file: "huge.jsonl" }, /more than one JavaScript string can .*split it into shards/);
  });
});

describe("truncated gzip", () => {
  const body = `${[0, 1, 2, 3].map((i) => rated(i)).join("\n")}\n`;
  const gz = gzipSync(Buffer.from(body.repeat(50)));
  for (const [name, cut] of [["cut in half", gz.length >> 1], ["missing its trailer", gz.length - 6]] as const) {
    it(`(${name}) is a DataError naming the file, from disk and from bytes`, async () => {
      const dir = tmp();
      const file = join(dir, "x.jsonl.gz");
      writeFileSync(file, gz.subarray(0, cut));
      await expectDataError(loadRatedDataset(file, generic), { file }, /not valid gzip data .*truncated/);
      await expectDataError(loadImplicitLog(file), { file }, /not valid gzip data/);
      await expectDataError(parseRatedDataset([{ file: "y.jsonl.gz", data: new Uint8Array(gz.subarray(0, cut)) }], generic), { file: "y.jsonl.gz" }, /not valid gzip data/);
    });
  }
});

describe("Parquet with the wrong schema", () => {
  const write = (columnData: Parameters<typeof parquetWriteBuffer>[0]["columnData"]) => new Uint8Array(parquetWriteBuffer({ columnData }));
  it("unknown columns: the layout error lists the fields seen", async () => {
    const buf = write([
      { name: "a", data: [1, 2], type: "DOUBLE" },
      { name: "b", data: ["x", "y"], type: "STRING" },
    ]);
    await expectConfigError(parseRatedDataset([{ file: "t.parquet", data: buf }]), /t\.parquet: cannot recognise the layout from the fields \(a, b\)/);
  });

  it("a missing column, a rating of text, NaN or a nested value: row errors, or counted skips", async () => {
    const rows = ["4", "high", "NaN"];
    const buf = write([
      { name: "prompt", data: ["p", "p", "p"], type: "STRING" },
      { name: "response", data: ["r1", "r2", "r3"], type: "STRING" },
      { name: "score", data: rows, type: "STRING" },
      { name: "num", data: [1, Number.NaN, 3], type: "DOUBLE" },
    ]);
    await expectConfigError(parseRatedDataset([{ file: "t.parquet", data: buf }], { ...generic, responseField: "answer" }), /no record has the field "answer" .*the records have: prompt, response, score, num/);
    const text = await parseRatedDataset([{ file: "t.parquet", data: buf }], { ...generic, onBadRow: "skip" });
    expect([text.rows.length, text.skipped]).toEqual([0, { badRating: 3 }]);
    await expectDataError(parseRatedDataset([{ file: "t.parquet", data: buf }], { ...generic }), { file: "t.parquet", row: 0, field: "score" }, /string "4"/);
    const nan = await parseRatedDataset([{ file: "t.parquet", data: buf }], { ...generic, ratingField: "num", scale: { min: 1, max: 3 }, onBadRow: "skip" });
    expect([nan.rows.map((r) => r.rating), nan.skipped]).toEqual([[1, 3], { badRating: 1 }]);
  });

  it("a truncated or non-Parquet file is a DataError naming the file", async () => {
    const buf = write([{ name: "prompt", data: ["p"], type: "STRING" }]);
    await expectDataError(parseRatedDataset([{ file: "t.parquet", data: buf.subarray(0, buf.length - 12) }], generic), { file: "t.parquet" }, /not a readable Parquet file/);
    await expectDataError(parseRecords(new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3]), { file: "u.parquet" }), { file: "u.parquet" }, /not a readable Parquet file/);
  });
});

describe("duplicate ids and bad ratings in every reader", () => {
  it("logs and rated rows: duplicate ids, NaN (null in JSON) and string ratings, string actions", async () => {
    const text = [rated(0), rated(0), rated(2, { score: null }), rated(3, { score: "5" }), rated(4, { score: Number.NaN })].join("\n");
    const ds = await parseRatedDataset([{ file: "r.jsonl", data: text }], { ...generic, idField: "id", onBadRow: "skip" });
    expect(ds.rows.map((r) => r.id)).toEqual(["r0"]);
    expect(ds.skipped).toEqual({ duplicateId: 1, badRating: 3 });
    const log = [logged(0), logged(0), logged(2, { actions: { copy: "yes" } })].join("\n");
    const l = await parseImplicitLog(log, { file: "l.jsonl", onBadRow: "skip" });
    expect([l.rows.length, l.skipped]).toEqual([1, { duplicateId: 1, wrongType: 1 }]);
    await expectDataError(parseImplicitLog(log, { file: "l.jsonl" }), { file: "l.jsonl", line: 2, field: "id" }, /duplicate id "i0"/);
  });

  it("the error types stay typed (programs can switch on them)", async () => {
    const e = await parseRatedDataset("{nope", generic).catch((x) => x);
    expect(e).toBeInstanceOf(DataError);
    expect(await parseRatedDataset("", {}).catch((x) => x)).toBeInstanceOf(ConfigError);
  });
});
