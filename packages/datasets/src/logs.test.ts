import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadImplicitLog } from "./node/io.js";
import { parseImplicitLog, resolveMapping } from "./logs.js";
import { hashText } from "./readers/bytes.js";
import { expectConfigError, expectDataError, fixture, fixtureText } from "./test-utils/fixtures.js";

const imp = (actions: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ prompt: "p", response: "r", actions, ...extra });

describe("parseImplicitLog", () => {
  it("maps copy/click/thumbsUp to r = 1 and thumbsDown to an explicit negative by default", async () => {
    const log = await parseImplicitLog(fixtureText("implicit_log.jsonl"), { file: "log.jsonl" });
    expect(log.rows.map((r) => [r.id, r.r, r.explicitNegative])).toEqual([
      ["imp-1", 1, false],
      ["imp-2", 0, true],
      ["imp-3", 1, false],
      ["imp-4", 0, false],
      ["imp-5", 1, false],
      ["imp-6", 0, false],
    ]);
    expect(log.rows[0]).toEqual({
      id: "imp-1",
      prompt: "Translate 'cat' to French.",
      response: "chat",
      promptId: "q1",
      r: 1,
      explicitNegative: false,
      context: { user: "u1", ts: "2025-01-02T10:00:00Z" },
    });
    expect(log.rows[2]!.promptId).toBe(hashText("Give me a pasta recipe."));
    expect(log.rows[2]!.context).toEqual({});
    expect(log.stats).toEqual({ impressions: 6, positives: 3, explicitNegatives: 1, feedbackRate: 0.5 });
    expect(log.mapping).toEqual({ positive: ["copy", "click", "thumbsUp"], negative: ["thumbsDown"] });
  });

  it("takes a custom mapping (e.g. only copies count; regenerate is a negative)", async () => {
    const log = await parseImplicitLog(fixtureText("implicit_log.jsonl"), {
      mapping: { positive: ["copy"], negative: ["thumbsDown", "regenerate"] },
    });
    expect(log.rows.map((r) => [r.r, r.explicitNegative])).toEqual([
      [1, false],
      [0, true],
      [0, false],
      [0, true],
      [0, false],
      [0, false],
    ]);
    expect(() => resolveMapping({ positive: ["copy"], negative: ["copy"] })).toThrow(/both positive and negative/);
    expect(() => resolveMapping({ positive: [] })).toThrow(/at least one/);
  });

  it("treats a negative together with a positive action as a conflict (error or skip)", async () => {
    const text = [imp({ copy: true }), imp({ thumbsDown: true, thumbsUp: true })].join("\n");
    await expectDataError(parseImplicitLog(text, { file: "log.jsonl" }), { file: "log.jsonl", line: 2, field: "actions.thumbsDown" }, /conflicting feedback: thumbsDown together with thumbsUp/);
    const log = await parseImplicitLog(text, { onBadRow: "skip" });
    expect(log.rows.length).toBe(1);
    expect(log.skipped).toEqual({ conflict: 1 });
  });

  it("reports malformed impressions with file, line and field", async () => {
    const f = "log.jsonl";
    const bad = async (line: string, field: string | undefined, msg: RegExp) =>
      expectDataError(parseImplicitLog(`${imp({})}\n${line}`, { file: f }), { file: f, line: 2, field }, msg);
    await bad("{oops", undefined, /invalid JSON/);
    await bad(JSON.stringify({ prompt: "p", response: "r" }), "actions", /missing field "actions"/);
    await bad(JSON.stringify({ response: "r", actions: {} }), "prompt", /missing field "prompt"/);
    await bad(imp({ copy: "yes" }), "actions.copy", /boolean or a non-negative integer/);
    await bad(imp({ click: -1 }), "actions.click", /non-negative/);
    await bad(imp([] as never), "actions", /must be an object/);
    await bad(imp({}, { context: "mobile" }), "context", /must be an object/);
    await bad(imp({}, { id: 3, promptId: { x: 1 } }), "promptId", /string or a number/);
    await expectDataError(parseImplicitLog(`${imp({}, { id: "a" })}\n${imp({}, { id: "a" })}`, { file: f }), { file: f, line: 2, field: "id" }, /duplicate/);
    await expectDataError(parseImplicitLog(imp({}, { response: "" }), { file: f, requireResponse: true }), { file: f, line: 1, field: "response" });
    await expectConfigError(parseImplicitLog(imp({}), { onBadRow: "drop" as never }), /onBadRow/);
  });

  it("ignores actions outside the mapping and accepts counts and nulls", async () => {
    const log = await parseImplicitLog([imp({ share: true, copy: 0, click: null }), imp({ click: 3 })].join("\n"));
    expect(log.rows.map((r) => r.r)).toEqual([0, 1]);
  });
});

describe("loadImplicitLog", () => {
  it("reads a file and a gzip-compressed one", async () => {
    const plain = await loadImplicitLog(fixture("implicit_log.jsonl"));
    expect(plain.rows.length).toBe(6);
    const dir = mkdtempSync(join(tmpdir(), "irm-log-"));
    const gz = join(dir, "log.jsonl.gz");
    writeFileSync(gz, gzipSync(Buffer.from(`${imp({ copy: true })}\n{bad`)));
    await expectDataError(loadImplicitLog(gz), { file: gz, line: 2 });
    expect((await loadImplicitLog(gz, { onBadRow: "skip" })).skipped).toEqual({ badJson: 1 });
  });
});
