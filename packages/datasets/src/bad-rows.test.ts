import { ConfigError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { BadRows, RowProblem, countSkipped, formatSkipCounts, mergeSkipCounts } from "./bad-rows.js";
import { parseRatedDataset } from "./rated.js";
import { expectDataError } from "./test-utils/fixtures.js";

const file = "ratings.jsonl";
const opts = { promptField: "prompt", responseField: "response", ratingField: "score", idField: "id", direction: "higher-better", scale: { min: 1, max: 5 } } as const;
const row = (id: string, score: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ id, prompt: "p", response: "r", score, ...extra });

/** One of each malformed row the loaders report, with the line, field and cause expected. */
const cases: { name: string; line: string; field: string | undefined; cause: string; message: RegExp }[] = [
  { name: "bad JSON", line: '{"id": "x", "prompt": ', field: undefined, cause: "badJson", message: /invalid JSON/ },
  { name: "a missing field", line: JSON.stringify({ id: "x", prompt: "p", score: 3 }), field: "response", cause: "missingField", message: /missing field "response"/ },
  { name: "a rating outside the declared range", line: row("x", 7), field: "score", cause: "outOfRange", message: /7 is outside the declared range \[1, 5\]/ },
  { name: "a rating that is a string", line: row("x", "4"), field: "score", cause: "badRating", message: /the string "4"/ },
  { name: "a rating that is null (NaN in JSON writers)", line: row("x", null), field: "score", cause: "badRating", message: /null/ },
  { name: "an empty response where one is required", line: row("x", 3, { response: "  " }), field: "response", cause: "emptyResponse", message: /empty/ },
  { name: "a duplicate id", line: row("a", 3), field: "id", cause: "duplicateId", message: /duplicate id "a"/ },
  { name: "a field of the wrong type", line: row("x", 3, { prompt: 5 }), field: "prompt", cause: "wrongType", message: /must be a string/ },
];

describe("malformed rows", () => {
  for (const c of cases) {
    it(`reports ${c.name} with file, line and field, or skips and counts it`, async () => {
      const text = [row("a", 1), "", c.line, row("b", 5)].join("\n");
      const o = { ...opts, requireResponse: true, source: file };
      const err = await expectDataError(parseRatedDataset([{ file, data: text }], o), { file, line: 3, field: c.field }, c.message);
      expect(err.message).toContain(`[${c.cause}]`);
      const ds = await parseRatedDataset([{ file, data: text }], { ...o, onBadRow: "skip" });
      expect(ds.rows.map((r) => r.id)).toEqual(["a", "b"]);
      expect(ds.skipped).toEqual({ [c.cause]: 1 });
    });
  }

  it("reports NaN and infinite ratings from CSV text and Parquet-like values", async () => {
    const csv = "prompt,response,score\np,r,NaN\np,r,abc\np,r,\np,r,Infinity\np,r,3";
    await expectDataError(parseRatedDataset([{ file: "f.csv", data: csv }], { ...opts, idField: undefined }), { file: "f.csv", line: 2, field: "score" }, /"NaN"/);
    const ds = await parseRatedDataset([{ file: "f.csv", data: csv }], { ...opts, idField: undefined, onBadRow: "skip" });
    expect(ds.rows.map((r) => r.rating)).toEqual([3]);
    expect(ds.skipped).toEqual({ badRating: 4 });
  });

  it("reports bad UTF-8 with its line and counts it with the adapter's causes", async () => {
    const enc = (s: string) => Array.from(new TextEncoder().encode(s));
    const bytes = new Uint8Array([...enc(`${row("a", 1)}\n{"id":"b","prompt":"`), 0xc3, 0x28, ...enc(`","response":"r","score":2}\n${row("c", 9)}\n${row("d", 4)}`)]);
    await expectDataError(parseRatedDataset([{ file, data: bytes }], opts), { file, line: 2 }, /UTF-8/);
    const ds = await parseRatedDataset([{ file, data: bytes }], { ...opts, onBadRow: "skip" });
    expect(ds.rows.map((r) => r.id)).toEqual(["a", "d"]);
    expect(ds.skipped).toEqual({ badUtf8: 1, outOfRange: 1 });
    expect(formatSkipCounts(ds.skipped)).toBe("skipped 2 bad rows: badUtf8 1, outOfRange 1");
  });

  it("keeps empty responses by default and counts them", async () => {
    const ds = await parseRatedDataset([row("a", 1, { response: "" }), row("b", 2)].join("\n"), opts);
    expect(ds.rows.length).toBe(2);
    expect(ds.emptyResponses).toBe(1);
  });
});

describe("BadRows helpers", () => {
  it("validates the policy and formats counts", () => {
    expect(() => new BadRows("ignore" as never)).toThrow(ConfigError);
    const b = new BadRows("skip");
    b.report(new RowProblem("conflict", "x"), { file: "f", line: 1 });
    b.report(new RowProblem("badJson", "x"), { file: "f", line: 2 });
    b.report(new RowProblem("badJson", "x"), { file: "f", line: 3 });
    expect(b.skipped).toEqual({ conflict: 1, badJson: 2 });
    expect(countSkipped(b.skipped)).toBe(3);
    expect(formatSkipCounts(b.skipped)).toBe("skipped 3 bad rows: badJson 2, conflict 1");
    expect(formatSkipCounts({})).toBe("");
    expect(mergeSkipCounts({ badJson: 1 }, { badJson: 2, outOfRange: 1 })).toEqual({ badJson: 3, outOfRange: 1 });
  });

  it("names the record index where there are no lines (Parquet, JSON arrays)", async () => {
    const data = JSON.stringify([
      { prompt: "p", response: "r", score: 2 },
      { prompt: "p", response: "r", score: 9 },
    ]);
    const e = await expectDataError(parseRatedDataset([{ file: "a.json", data }], { ...opts, idField: undefined }), { file: "a.json", row: 1, field: "score" });
    expect(e.message).toMatch(/^a\.json row 1 field "score"/);
  });
});
