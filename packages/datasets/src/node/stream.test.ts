import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseRecords } from "../readers/records.js";
import { streamRecords } from "./stream.js";

const dir = mkdtempSync(join(tmpdir(), "irm-stream-"));

async function all(path: string, opts = {}) {
  const s = await streamRecords(path, opts);
  const out = [];
  for await (const r of s.records) out.push(r);
  return { s, out };
}

describe("streamRecords", () => {
  const text = `\uFEFF{"a":1}\r\n\n{"a":2}\n${"{".repeat(1)}"a":"${"x".repeat(70_000)}"}\n{"a":4}`;

  it("streams JSONL line by line, as the whole-file reader parses it, plain or gzip", async () => {
    const whole = await parseRecords(text, { file: "t.jsonl" });
    for (const [name, bytes] of [["t.jsonl", Buffer.from(text)], ["t.jsonl.gz", gzipSync(Buffer.from(text))]] as const) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      const { s, out } = await all(p);
      expect(s.streamed).toBe(true);
      expect(s.fraction()).toBe(1);
      expect(out.map((r) => [r.value, r.line, r.row])).toEqual(whole.records.map((r) => [r.value, r.line, r.row]));
    }
  });

  it("names file and line for bad JSON and bad UTF-8, or skips and counts them", async () => {
    const p = join(dir, "bad.jsonl");
    writeFileSync(p, Buffer.concat([Buffer.from('{"a":1}\n{nope\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from('{"a":3}\n')]));
    await expect(all(p)).rejects.toThrow(/bad\.jsonl:2: invalid JSON/);
    const { s, out } = await all(p, { onBadRow: "skip" });
    expect(out.map((r) => r.line)).toEqual([1, 4]);
    expect(s.skipped).toEqual({ badJson: 1, badUtf8: 1 });
  });

  it("reads CSV whole and hands records out one by one; a missing file is a DataError naming it", async () => {
    const p = join(dir, "t.csv");
    writeFileSync(p, "prompt,response\nq,a\nq2,b\n");
    const { s, out } = await all(p);
    expect(s.streamed).toBe(false);
    expect(out.map((r) => r.value)).toEqual([{ prompt: "q", response: "a" }, { prompt: "q2", response: "b" }]);
    await expect(streamRecords(join(dir, "none.jsonl"))).rejects.toThrow(/none\.jsonl: cannot read the file/);
  });
});
