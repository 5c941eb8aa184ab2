// Property-based tests (fast-check) of the JSONL reader and the implicit-feedback simulator.
import { DataError, ImplicitRMError } from "@implicitrm/core/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRecords } from "./readers/records.js";
import { simulateImplicitFeedback } from "./simulate.js";

// Plain JSON objects (no undefined, no -0: JSON cannot carry them back).
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const jsonObject = fc.dictionary(fc.string(), jsonValue, { maxKeys: 5 });
const RUNS = { numRuns: 150 };

describe("JSONL reader (property-based)", () => {
  it("gives back every object written one per line, in order, with its line number, whatever the blank lines, CRLF and BOM", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(jsonObject, fc.nat({ max: 2 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        async (rows, bom) => {
          const lines: string[] = [];
          const expected: Array<{ value: unknown; line: number }> = [];
          for (const [obj, blanks, crlf] of rows) {
            for (let b = 0; b < blanks; b++) lines.push(b % 2 ? "   " : "");
            lines.push(JSON.stringify(obj) + (crlf ? "\r" : ""));
            expected.push({ value: obj, line: lines.length });
          }
          const text = (bom ? "\uFEFF" : "") + lines.join("\n");
          const bytes = new TextEncoder().encode(text);
          for (const input of [text, bytes]) {
            const got = await parseRecords(input, { file: "p.jsonl", format: "jsonl" });
            expect(got.records.map((r) => ({ value: r.value, line: r.line }))).toEqual(expected);
            expect(got.records.map((r) => r.row)).toEqual(expected.map((_, i) => i));
            expect(got.skipped).toEqual({});
          }
        },
      ),
      RUNS,
    );
  });

  it("with onBadRow 'skip', keeps exactly the lines that are JSON objects and counts the others; with 'fail', names the first bad line", async () => {
    const line = fc.oneof(
      jsonObject.map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 40 }).filter((s) => !s.includes("\n")),
      jsonValue.map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (lines) => {
        const isObject = (s: string) => {
          try {
            const v = JSON.parse(s.endsWith("\r") ? s.slice(0, -1) : s);
            return typeof v === "object" && v !== null && !Array.isArray(v);
          } catch {
            return false;
          }
        };
        const blank = (s: string) => s.replace(/\r$/, "").trim() === "";
        const good = lines.map((s, i) => ({ s, line: i + 1 })).filter(({ s }) => !blank(s) && isObject(s));
        const bad = lines.map((s, i) => ({ s, line: i + 1 })).filter(({ s }) => !blank(s) && !isObject(s));
        const text = lines.join("\n");
        const skipped = await parseRecords(text, { file: "p.jsonl", format: "jsonl", onBadRow: "skip" });
        expect(skipped.records.map((r) => r.line)).toEqual(good.map((g) => g.line));
        expect(skipped.skipped).toEqual(bad.length ? { badJson: bad.length } : {});
        const failed = await parseRecords(text, { file: "p.jsonl", format: "jsonl" }).catch((e: unknown) => e);
        if (bad.length === 0) expect(failed).not.toBeInstanceOf(Error);
        else {
          expect(failed).toBeInstanceOf(DataError);
          expect((failed as DataError).location).toEqual({ file: "p.jsonl", line: bad[0]!.line });
        }
      }),
      RUNS,
    );
  });

  it("never crashes on arbitrary bytes: a result, or a typed error (skip mode: always a result unless the bytes claim to be gzip)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        for (const onBadRow of ["fail", "skip"] as const) {
          const got = await parseRecords(bytes, { file: "b.jsonl", format: "jsonl", onBadRow }).catch((e: unknown) => e);
          if (got instanceof Error) {
            expect(got).toBeInstanceOf(ImplicitRMError);
            if (onBadRow === "skip") expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });
});

describe("simulator (property-based)", () => {
  const grades = fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 120 });
  const settings = fc.record({
    alpha: fc.double({ min: 0.05, max: 1, noNaN: true }),
    observationRate: fc.double({ min: 0.02, max: 1, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  });

  it("r = a·r*, r* follows the rescaled grade and threshold, π ∈ (0, 1] with mean π on target, and the same seed gives the same draws", () => {
    fc.assert(
      fc.property(grades, settings, (g, s) => {
        const opts = { direction: "higher-better" as const, scale: { min: 1, max: 10 }, ...s };
        const out = simulateImplicitFeedback(g, opts);
        let meanPi = 0;
        for (let i = 0; i < g.length; i++) {
          expect(out.r[i]).toBe(out.a[i]! * out.rStar[i]!);
          expect(out.gradeRescaled[i]).toBeCloseTo(1 + (4 * (g[i]! - 1)) / 9, 5);
          expect(out.rStar[i]).toBe(1 + (4 * (g[i]! - 1)) / 9 > out.stats.threshold ? 1 : 0); // ℓ' in float64; gradeRescaled is its float32 copy
          expect(out.propensity[i]).toBeGreaterThan(0);
          expect(out.propensity[i]).toBeLessThanOrEqual(1);
          meanPi += out.propensity[i]! / g.length;
        }
        expect(Math.abs(meanPi - s.observationRate)).toBeLessThan(1e-5);
        // a higher grade never has a lower propensity (the grade alone drives π at w = 0)
        for (let i = 0; i < g.length; i++) for (let j = 0; j < g.length; j++) if (g[i]! > g[j]!) expect(out.propensity[i]).toBeGreaterThanOrEqual(out.propensity[j]!);
        const again = simulateImplicitFeedback(g, opts);
        expect(again.a).toEqual(out.a);
        expect(again.propensity).toEqual(out.propensity);
      }),
      RUNS,
    );
  });

  it("reversing the scale and the direction changes nothing", () => {
    fc.assert(
      fc.property(grades, settings, (g, s) => {
        const up = simulateImplicitFeedback(g, { direction: "higher-better", scale: { min: 1, max: 10 }, ...s });
        const down = simulateImplicitFeedback(
          g.map((x) => 11 - x),
          { direction: "lower-better", scale: { min: 1, max: 10 }, ...s },
        );
        expect(down.rStar).toEqual(up.rStar);
        expect(down.r).toEqual(up.r);
        expect(down.propensity).toEqual(up.propensity);
      }),
      RUNS,
    );
  });

  it("with presentation context and any share w, π stays in (0, 1] and r = a·r*; a non-finite or out-of-scale grade is a DataError naming its row", () => {
    fc.assert(
      fc.property(
        grades.filter((g) => g.length >= 2),
        settings,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom("geometric" as const, "linear" as const),
        (g, s, w, mix) => {
          const n = g.length;
          const presentation = {
            length: Array.from({ length: n }, (_, i) => (i * 37) % 500),
            position: Array.from({ length: n }, (_, i) => i % 4),
            userActivity: Array.from({ length: n }, (_, i) => 0.2 + ((i * 7) % 8) / 10),
          };
          const out = simulateImplicitFeedback(g, { direction: "higher-better", scale: { min: 1, max: 10 }, presentation, presentationShare: w, presentationMix: mix, ...s });
          for (let i = 0; i < n; i++) {
            expect(out.propensity[i]! > 0 && out.propensity[i]! <= 1).toBe(true);
            expect(out.r[i]).toBe(out.a[i]! * out.rStar[i]!);
          }
          const bad = [...g];
          const at = n >> 1;
          bad[at] = [Number.NaN, Number.POSITIVE_INFINITY, 11, 0][at % 4]!;
          let err: unknown;
          try {
            simulateImplicitFeedback(bad, { direction: "higher-better", scale: { min: 1, max: 10 }, ...s });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(DataError);
          expect((err as DataError).location?.row).toBe(at);
        },
      ),
      { numRuns: 60 },
    );
  });
});
