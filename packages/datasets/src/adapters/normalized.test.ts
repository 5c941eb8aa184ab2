import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { describe, expect, it } from "vitest";
import { readNormalizedJsonl } from "../node/io.js";
import { parseNormalizedJsonl } from "./normalized.js";
import { simulateImplicitFeedback } from "../simulate.js";
import { splitIndices } from "../split.js";

const row = (id: string, rating: unknown = 7, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, prompt: "p", response: "r", ratings: { s: rating }, meta: { prompt_id: `q${id}` }, ...extra });

function expectDataError(fn: () => unknown, line: number, field: string | undefined) {
  try {
    fn();
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    const err = e as DataError;
    expect(err.location?.file).toBe("f.jsonl");
    expect(err.location?.line).toBe(line);
    expect(err.location?.field).toBe(field);
    expect(err.message).toContain(`f.jsonl:${line}`);
  }
}

describe("parseNormalizedJsonl", () => {
  it("parses rows, ignores blank lines and infers a single rating key", () => {
    const text = `\uFEFF${row("a", 3)}\r\n\n   \n${row("b", 4.5)}\n`;
    const out = parseNormalizedJsonl(text);
    expect(out.ratingField).toBe("s");
    expect(out.skipped).toEqual({});
    expect(out.rows).toEqual([
      { id: "a", prompt: "p", response: "r", rating: 3, promptId: "qa", line: 1 },
      { id: "b", prompt: "p", response: "r", rating: 4.5, promptId: "qb", line: 4 },
    ]);
  });

  it("requires ratingField when ratings has several keys", () => {
    const text = JSON.stringify({ id: "a", prompt: "p", response: "r", ratings: { x: 1, y: 2 }, meta: { prompt_id: "q" } });
    expect(() => parseNormalizedJsonl(text)).toThrow(ConfigError);
    expect(() => parseNormalizedJsonl(text, { onBadRow: "skip" })).toThrow(ConfigError);
    expect(parseNormalizedJsonl(text, { ratingField: "y" }).rows[0]!.rating).toBe(2);
  });

  const file = "f.jsonl";
  it("reports bad JSON with its line", () => {
    expectDataError(() => parseNormalizedJsonl(`${row("a")}\n\n{"id": "b",`, { file }), 3, undefined);
    expectDataError(() => parseNormalizedJsonl(`[1, 2]`, { file }), 1, undefined);
  });

  it("reports each missing field", () => {
    const base = { id: "a", prompt: "p", response: "r", ratings: { s: 1 }, meta: { prompt_id: "q" } };
    for (const f of ["id", "prompt", "response", "ratings", "meta"] as const) {
      const o: Record<string, unknown> = { ...base };
      delete o[f];
      expectDataError(() => parseNormalizedJsonl(`${row("z")}\n${JSON.stringify(o)}`, { file }), 2, f);
    }
    expectDataError(
      () => parseNormalizedJsonl(JSON.stringify({ ...base, meta: {} }), { file }),
      1,
      "meta.prompt_id",
    );
    expectDataError(
      () => parseNormalizedJsonl(JSON.stringify({ ...base, ratings: { t: 1 } }), { file, ratingField: "s" }),
      1,
      "ratings.s",
    );
  });

  it("reports wrong types", () => {
    expectDataError(() => parseNormalizedJsonl(row("a", 1, { prompt: 5 }), { file }), 1, "prompt");
    expectDataError(() => parseNormalizedJsonl(row("a", 1, { ratings: [1] }), { file }), 1, "ratings");
  });

  it("reports ratings that are not finite numbers", () => {
    expectDataError(() => parseNormalizedJsonl(`${row("a")}\n${row("b", "7")}`, { file }), 2, "ratings.s");
    expectDataError(() => parseNormalizedJsonl(`${row("a")}\n${row("b", null)}`, { file }), 2, "ratings.s");
    expectDataError(() => parseNormalizedJsonl(row("a", 0).replace('"s":0', '"s":1e999'), { file }), 1, "ratings.s");
  });

  it("reports duplicate ids", () => {
    expectDataError(() => parseNormalizedJsonl(`${row("a")}\n${row("b")}\n${row("a")}`, { file }), 3, "id");
  });

  it("skips bad rows and counts the causes", () => {
    const text = [
      row("a", 1),
      "{not json",
      row("b", "x"),
      row("a", 2),
      JSON.stringify({ id: "c", prompt: "p", response: "r", ratings: { s: 1 } }),
      row("d", 5, { response: 3 }),
      "",
      row("e", 9),
    ].join("\n");
    const out = parseNormalizedJsonl(text, { file, onBadRow: "skip" });
    expect(out.rows.map((r) => [r.id, r.rating, r.line])).toEqual([
      ["a", 1, 1],
      ["e", 9, 8],
    ]);
    expect(out.skipped).toEqual({ badJson: 1, badRating: 1, duplicateId: 1, missingField: 1, wrongType: 1 });
  });
});

describe("readNormalizedJsonl", () => {
  it("names the file when it cannot be read", async () => {
    await expect(readNormalizedJsonl("/nonexistent/x.jsonl")).rejects.toThrow(DataError);
    await expect(readNormalizedJsonl("/nonexistent/x.jsonl")).rejects.toThrow(/nonexistent\/x\.jsonl/);
  });

  // The repository root is three levels above this file (packages/datasets/src); shared data sits beside it.
  const repoRoot = new URL("../../../../", import.meta.url);
  const ufPath = fileURLToPath(
    new URL("../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl", repoRoot),
  );
  const exists = existsSync(ufPath);
  if (!exists) console.log(`skipping the UltraFeedback subset test: ${ufPath} is absent (../shared/data not present)`);

  it.skipIf(!exists)("reads the UltraFeedback binarized subset (2400 rows, 1200 prompts)", async () => {
    const out = await readNormalizedJsonl(ufPath, { ratingField: "uf_score" });
    expect(out.rows.length).toBe(2400);
    expect(out.skipped).toEqual({});
    expect(new Set(out.rows.map((r) => r.promptId)).size).toBe(1200);
    const ratings = out.rows.map((r) => r.rating);
    expect(Math.min(...ratings)).toBe(1);
    expect(Math.max(...ratings)).toBe(10);
    // The semi-synthetic protocol runs on it end to end.
    const sim = simulateImplicitFeedback(ratings, { direction: "higher-better", scale: { min: 1, max: 10 }, seed: 1 });
    expect(Math.abs(sim.stats.observationRate - 0.5)).toBeLessThan(0.05);
    expect(sim.stats.positiveRate).toBeGreaterThan(0.2);
    expect(sim.stats.positiveRate).toBeLessThan(0.9);
    const split = splitIndices(out.rows.length, { group: out.rows.map((r) => r.promptId), seed: 1 });
    expect(split.train.length + split.validation.length + split.test.length).toBe(2400);
    expect(split.test.length % 2).toBe(0);
  });
});
