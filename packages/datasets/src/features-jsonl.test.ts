import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { parseFeaturesJsonl } from "./features-jsonl.js";
import { loadFeaturesFile } from "./node/io.js";

const row = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ id: `f${i}`, features: [i, i + 1, i + 2], r: i % 2, rStar: 1, ...extra });
const enc = (s: string) => Array.from(new TextEncoder().encode(s));

function thrown(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error("expected a DataError");
}

describe("features files: bad rows", () => {
  it("bad UTF-8, duplicate ids, a row of another dimension, labels that are not 0/1: the line and field, or counted skips", () => {
    const bytes = new Uint8Array([
      ...enc(`${row(0)}\n{"id":"`),
      0xff,
      ...enc(`","features":[1,2,3],"r":1}\n${row(0)}\n${row(3, { features: [1, 2] })}\n${row(4, { r: "1" })}\n${row(5, { rStar: Number.NaN })}\n${row(6)}\n`),
    ]);
    expect(thrown(() => parseFeaturesJsonl(bytes, "f.jsonl")).location).toEqual({ file: "f.jsonl", line: 2 });
    expect(thrown(() => parseFeaturesJsonl(bytes, "f.jsonl")).message).toMatch(/f\.jsonl:2: the line is not valid UTF-8 \[badUtf8\]; .*--on-bad-row skip/);
    const skipped = parseFeaturesJsonl(bytes, "f.jsonl", { onBadRow: "skip" });
    expect(skipped.ids).toEqual(["f0", "f6"]);
    expect(skipped.skipped).toEqual({ badUtf8: 1, duplicateId: 1, wrongType: 1, outOfRange: 2 });
    const text = [row(0), row(1), row(0)].join("\n");
    expect(thrown(() => parseFeaturesJsonl(text, "f.jsonl")).message).toMatch(/f\.jsonl:3 field "id": duplicate id "f0"/);
    expect(thrown(() => parseFeaturesJsonl(`${row(0)}\n${row(1, { features: [1, 2, 3, 4] })}`, "f.jsonl")).message).toMatch(
      /f\.jsonl:2 field "features": has 4 values but earlier rows have 3/,
    );
  });

  it("a file where every row is bad says so; gzip is read, a truncated gzip is named", async () => {
    expect(thrown(() => parseFeaturesJsonl("{bad\n{worse", "f.jsonl", { onBadRow: "skip" })).message).toMatch(/holds no rows \(skipped 2 bad rows: badJson 2\)/);
    const dir = mkdtempSync(join(tmpdir(), "irm-ff-"));
    const gz = gzipSync(Buffer.from(Array.from({ length: 40 }, (_, i) => row(i)).join("\n")));
    writeFileSync(join(dir, "f.jsonl.gz"), gz);
    const ds = await loadFeaturesFile(join(dir, "f.jsonl.gz"), 1);
    expect(ds.train.n + ds.validation.n + ds.test.n).toBe(40);
    writeFileSync(join(dir, "t.jsonl.gz"), gz.subarray(0, gz.length >> 1));
    await expect(loadFeaturesFile(join(dir, "t.jsonl.gz"), 1)).rejects.toThrow(/t\.jsonl\.gz: not valid gzip data/);
  });
});
