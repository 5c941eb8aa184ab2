import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.js";
import { formatFromName, parseRecords, sniffFormat } from "./records.js";
import { hashText } from "./bytes.js";
import { expectDataError } from "../test-utils/fixtures.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("parseCsv", () => {
  it("handles quotes, escaped quotes, embedded delimiters and newlines, CRLF and blank lines", () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",\n3,,z';
    expect(parseCsv(text)).toEqual([
      { fields: ["a", "b", "c"], line: 1 },
      { fields: ["1", "x, y", 'say "hi"'], line: 2 },
      { fields: ["2", "two\nlines", ""], line: 4 },
      { fields: ["3", "", "z"], line: 6 },
    ]);
  });

  it("flags malformed records and resynchronises", () => {
    const recs = parseCsv('a,b\n"x"y,1\n2,3\n"open,4');
    expect(recs[1]).toEqual({ fields: ["x"], line: 2, error: "text after a closing quote" });
    expect(recs[2]).toEqual({ fields: ["2", "3"], line: 3 });
    expect(recs[3]!.error).toBe("unterminated quoted field");
    expect(recs[3]!.line).toBe(4);
  });

  it("splits TSV on tabs", () => {
    expect(parseCsv("a\tb\n1,2\t3", "\t").map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1,2", "3"],
    ]);
  });
});

describe("formats", () => {
  it("guesses from the extension, then the content", () => {
    expect(formatFromName("x.jsonl.gz")).toBe("jsonl");
    expect(formatFromName("x.ndjson")).toBe("jsonl");
    expect(formatFromName("x.JSON")).toBe("json");
    expect(formatFromName("x.tsv")).toBe("tsv");
    expect(formatFromName("train-00000-of-00001.parquet")).toBe("parquet");
    expect(formatFromName("data.txt")).toBeUndefined();
    expect(sniffFormat(enc('\uFEFF  {"a":1}'), "f")).toBe("jsonl");
    expect(sniffFormat(enc('[{"a":1}]'), "f")).toBe("json");
    expect(sniffFormat(enc("a,b\n1,2"), "f")).toBe("csv");
    expect(sniffFormat(enc('{"a":1}\n{"a":2}'), "lines.json")).toBe("jsonl");
    expect(sniffFormat(new Uint8Array([0x50, 0x41, 0x52, 0x31, 0]), "f")).toBe("parquet");
  });
});

describe("parseRecords", () => {
  it("reads JSONL with lines, JSON arrays with row indices, CSV as text values", async () => {
    const j = await parseRecords('{"a":1}\n\n{"a":2}\r\n', { file: "f.jsonl" });
    expect(j.records.map((r) => [r.value, r.line, r.row])).toEqual([
      [{ a: 1 }, 1, 0],
      [{ a: 2 }, 3, 1],
    ]);
    const a = await parseRecords('[{"a":1},{"a":2}]', { file: "f.json" });
    expect(a.format).toBe("json");
    expect(a.records.map((r) => [r.value, r.line, r.row])).toEqual([
      [{ a: 1 }, undefined, 0],
      [{ a: 2 }, undefined, 1],
    ]);
    const c = await parseRecords("a,b\n1,x\n", { file: "f.csv" });
    expect(c.records[0]).toEqual({ value: { a: "1", b: "x" }, file: "f.csv", line: 2, row: 0, textual: true });
  });

  it("decompresses gzip bytes and reads Parquet bytes (snappy by default)", async () => {
    const gz = gzipSync(Buffer.from('{"a":1}\n{"a":2}\n'));
    expect((await parseRecords(new Uint8Array(gz), { file: "f.jsonl.gz" })).records.length).toBe(2);
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "a", data: ["x", "y", "z"], type: "STRING" },
        { name: "b", data: [1, 2, 3], type: "INT32" },
      ],
    });
    const pq = await parseRecords(buf, { file: "t.parquet" });
    expect(pq.format).toBe("parquet");
    expect(pq.records.map((r) => r.value)).toEqual([
      { a: "x", b: 1 },
      { a: "y", b: 2 },
      { a: "z", b: 3 },
    ]);
    const onlyB = await parseRecords(buf, { file: "t.parquet", columns: ["b"] });
    expect(onlyB.records[0]!.value).toEqual({ b: 1 });
  });

  it("reports bad JSON, non-objects, bad CSV records and bad UTF-8 with file and line; skips and counts them", async () => {
    await expectDataError(parseRecords('{"a":1}\n{"a":', { file: "f.jsonl" }), { file: "f.jsonl", line: 2 }, /invalid JSON/);
    await expectDataError(parseRecords('{"a":1}\n[1]', { file: "f.jsonl" }), { file: "f.jsonl", line: 2 }, /not an object/);
    await expectDataError(parseRecords("a,b\n1,2\n1,2,3", { file: "f.csv" }), { file: "f.csv", line: 3 }, /3 fields, the header 2/);
    const bytes = new Uint8Array([...enc('{"a":1}\n{"a":"'), 0xff, 0xfe, ...enc('"}\n{"a":3}\n')]);
    await expectDataError(parseRecords(bytes, { file: "f.jsonl" }), { file: "f.jsonl", line: 2 }, /not valid UTF-8/);
    const skip = await parseRecords(bytes, { file: "f.jsonl", onBadRow: "skip" });
    expect(skip.records.map((r) => [r.value, r.line])).toEqual([
      [{ a: 1 }, 1],
      [{ a: 3 }, 3],
    ]);
    expect(skip.skipped).toEqual({ badUtf8: 1 });
    const mixed = await parseRecords("a,b\n1,2\n3\n\"x\n", { file: "f.csv", onBadRow: "skip" });
    expect(mixed.records.length).toBe(1);
    expect(mixed.skipped).toEqual({ badCsv: 2 });
  });

  it("fails whole-file errors regardless of onBadRow", async () => {
    await expectDataError(parseRecords("[1,", { file: "f.json", onBadRow: "skip" }), { file: "f.json" }, /invalid JSON/);
    await expectDataError(
      parseRecords(new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3]), { file: "t.parquet", onBadRow: "skip" }),
      { file: "t.parquet" },
      /not a readable Parquet file/,
    );
    await expectDataError(parseRecords(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { file: "x.gz" }), { file: "x.gz" }, /gzip/);
  });
});

describe("hashText", () => {
  it("is stable and spreads", () => {
    expect(hashText("hello")).toBe(hashText("hello"));
    expect(hashText("hello")).toMatch(/^p:[0-9a-f]{14}$/);
    expect(hashText("hello")).not.toBe(hashText("hellp"));
  });
});
