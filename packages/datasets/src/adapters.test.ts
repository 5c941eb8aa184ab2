import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { adaptHhRlhf, splitHhTranscript } from "./adapters/hh.js";
import { detectFormat } from "./detect.js";
import { parseRatedDataset } from "./rated.js";
import { parseRecords, toSourceRecords } from "./readers/records.js";
import { simulateImplicitFeedback } from "./simulate.js";
import { expectConfigError, expectDataError, fixture, fixtureText } from "./test-utils/fixtures.js";

const parse = (name: string, opts: Parameters<typeof parseRatedDataset>[1] = {}) =>
  parseRatedDataset([{ file: fixture(name), data: fixtureText(name) }], opts);

describe("HelpSteer adapter", () => {
  it("reads helpfulness 0–4, higher-better, grouping responses by prompt text", async () => {
    const ds = await parse("helpsteer.jsonl");
    expect(ds.adapter).toBe("helpsteer");
    expect(ds.ratingField).toBe("helpfulness");
    expect(ds.scale).toEqual({ min: 0, max: 4, direction: "higher-better" });
    expect(ds.scaleObserved).toBe(false);
    expect(ds.rows.map((r) => r.rating)).toEqual([4, 1, 3, 2, 4]);
    expect(ds.rows[0]!.id).toBe("helpsteer/0");
    expect(ds.rows[0]!.promptId).toBe(ds.rows[1]!.promptId);
    expect(ds.rows[0]!.promptId).not.toBe(ds.rows[2]!.promptId);
    expect(new Set(ds.rows.map((r) => r.promptId)).size).toBe(3);
  });

  it("picks another attribute; complexity and verbosity need an explicit direction", async () => {
    expect((await parse("helpsteer.jsonl", { ratingField: "correctness" })).rows.map((r) => r.rating)).toEqual([4, 0, 3, 2, 4]);
    await expectConfigError(parse("helpsteer.jsonl", { ratingField: "verbosity" }), /direction/);
    const v = await parse("helpsteer.jsonl", { ratingField: "verbosity", direction: "lower-better" });
    expect(v.scale.direction).toBe("lower-better");
    await expectConfigError(parse("helpsteer.jsonl", { ratingField: "fluency" }), /helpfulness, correctness/);
    await expectConfigError(parse("helpsteer.jsonl", { direction: "lower-better" }), /declared higher-better/);
  });

  it("reads the HelpSteer2 Parquet layout (as the Hub's Parquet conversion stores it)", async () => {
    const rows = fixtureText("helpsteer.jsonl").trim().split("\n").map((l) => JSON.parse(l));
    const col = (name: string, type: "STRING" | "INT64") => ({ name, type, data: rows.map((r) => (type === "INT64" ? BigInt(r[name]) : r[name])) });
    const buf = parquetWriteBuffer({
      columnData: [
        col("prompt", "STRING"),
        col("response", "STRING"),
        ...["helpfulness", "correctness", "coherence", "complexity", "verbosity"].map((n) => col(n, "INT64")),
      ],
    });
    const ds = await parseRatedDataset([{ file: "train-00000-of-00001.parquet", data: new Uint8Array(buf) }], { adapter: "helpsteer2" });
    expect(ds.adapter).toBe("helpsteer2");
    expect(ds.rows.map((r) => r.rating)).toEqual([4, 1, 3, 2, 4]);
    expect(ds.rows[4]!.id).toBe("helpsteer2/4");
    // detection works on Parquet rows too
    expect((await parseRatedDataset(new Uint8Array(buf))).adapter).toBe("helpsteer");
  });
});

describe("UltraFeedback adapter", () => {
  it("fans out completions with overall_score 1–10 by default", async () => {
    const ds = await parse("ultrafeedback.jsonl");
    expect(ds.adapter).toBe("ultrafeedback");
    expect(ds.scale).toEqual({ min: 1, max: 10, direction: "higher-better" });
    expect(ds.rows.length).toBe(8);
    expect(ds.rows.map((r) => r.rating)).toEqual([9, 2, 7.5, 5, 8, 3, 4, 8.5]);
    expect(ds.rows[1]!.id).toBe("ultrafeedback/0/1");
    expect(ds.rows[1]!.meta).toEqual({ completion: 1, model: "alpaca-7b", principle: "honesty", source: "evol_instruct" });
    expect(new Set(ds.rows.slice(0, 4).map((r) => r.promptId)).size).toBe(1);
    expect(ds.rows[0]!.promptId).not.toBe(ds.rows[4]!.promptId);
  });

  it("reads an aspect's string Rating (1–5); 'N/A' is a bad rating of that completion alone", async () => {
    const ds = await parse("ultrafeedback.jsonl", { ratingField: "helpfulness" });
    expect(ds.scale).toEqual({ min: 1, max: 5, direction: "higher-better" });
    expect(ds.rows.map((r) => r.rating)).toEqual([5, 1, 4, 3, 4, 1, 2, 5]);
    const file = fixture("ultrafeedback.jsonl");
    await expectDataError(parse("ultrafeedback.jsonl", { ratingField: "truthfulness" }), {
      file,
      line: 2,
      field: "completions[2].annotations.truthfulness.Rating",
    }, /"N\/A"/);
    const skipped = await parse("ultrafeedback.jsonl", { ratingField: "truthfulness", onBadRow: "skip" });
    expect(skipped.rows.length).toBe(7);
    expect(skipped.skipped).toEqual({ badRating: 1 });
    const fg = await parse("ultrafeedback.jsonl", { ratingField: "fine-grained_score", onBadRow: "skip" });
    expect(fg.rows.map((r) => r.rating)).toEqual([5, 1.25, 4.25, 3.25, 4.75, 1.5, 5]);
  });

  it("ultrafeedback_binarized: chosen/rejected message lists with score_chosen/score_rejected 1–10", async () => {
    const ds = await parse("ultrafeedback_binarized.jsonl");
    expect(ds.adapter).toBe("ultrafeedback-binarized");
    expect(ds.scale).toEqual({ min: 1, max: 10, direction: "higher-better" });
    expect(ds.rows.map((r) => [r.id, r.rating])).toEqual([
      ["uf-binarized/0/chosen", 9],
      ["uf-binarized/0/rejected", 2],
      ["uf-binarized/1/chosen", 8.5],
      ["uf-binarized/1/rejected", 4],
      ["uf-binarized/2/chosen", 10],
      ["uf-binarized/2/rejected", 10],
    ]);
    expect(ds.rows[0]!.prompt).toBe("Name a mammal that can fly.");
    expect(ds.rows[0]!.response).toBe("The bat is the only mammal capable of true flight.");
    expect(ds.rows[0]!.promptId).toBe(ds.rows[1]!.promptId);
    expect(ds.rows[0]!.promptId).toMatch(/^0{63}0$/);
  });

  it("ultrafeedback_binarized without a prompt column (trl-lib) takes the prompt from the messages", async () => {
    const rec = {
      chosen: [
        { role: "user", content: "Hi?" },
        { role: "assistant", content: "Hello!" },
      ],
      rejected: [
        { role: "user", content: "Hi?" },
        { role: "assistant", content: "..." },
      ],
      score_chosen: 7,
      score_rejected: 3,
    };
    const ds = await parseRatedDataset(JSON.stringify(rec));
    expect(ds.rows.map((r) => [r.prompt, r.response, r.rating])).toEqual([
      ["Hi?", "Hello!", 7],
      ["Hi?", "...", 3],
    ]);
    // a score out of 1–10 is a bad row of that side only
    const bad = await parseRatedDataset(JSON.stringify({ ...rec, score_rejected: 11 }), { onBadRow: "skip" });
    expect(bad.rows.length).toBe(1);
    expect(bad.skipped).toEqual({ outOfRange: 1 });
  });
});

describe("PKU-SafeRLHF adapter", () => {
  it("reads severity 0–3 as lower-better, two responses per record", async () => {
    const ds = await parse("pku_saferlhf.jsonl");
    expect(ds.adapter).toBe("pku-saferlhf");
    expect(ds.ratingField).toBe("severity_level");
    expect(ds.scale).toEqual({ min: 0, max: 3, direction: "lower-better" });
    expect(ds.rows.map((r) => r.rating)).toEqual([0, 2, 0, 3, 0, 1]);
    expect(ds.rows[1]!.meta).toEqual({ side: 1, isSafe: false, source: "Alpaca3-8B" });
    expect(ds.rows[0]!.promptId).toBe(ds.rows[1]!.promptId);
    // The simulator orients it: severity 0 (safe) becomes the top grade.
    const sim = simulateImplicitFeedback(
      ds.rows.map((r) => r.rating),
      { direction: ds.scale.direction, scale: ds.scale },
    );
    expect(Array.from(sim.gradeRescaled)).toEqual([5, expect.closeTo(7 / 3, 6), 5, 1, 5, expect.closeTo(11 / 3, 6)]);
    expect(Array.from(sim.rStar)).toEqual([1, 0, 1, 0, 1, 1]);
  });

  it("offers is_safe as a binary 0/1 higher-better rating", async () => {
    const ds = await parse("pku_saferlhf.jsonl", { ratingField: "is_safe" });
    expect(ds.scale).toEqual({ min: 0, max: 1, direction: "higher-better" });
    expect(ds.rows.map((r) => r.rating)).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it("refuses a contradicting direction and explains records without severity", async () => {
    await expectConfigError(parse("pku_saferlhf.jsonl", { direction: "higher-better" }), /declared lower-better/);
    const v0 = JSON.stringify({ prompt: "p", response_0: "a", response_1: "b", is_response_0_safe: true, is_response_1_safe: false });
    await expectDataError(parseRatedDataset(v0, { source: "v0.jsonl" }), { field: "response_0_severity_level" }, /is_safe/);
    expect((await parseRatedDataset(v0, { ratingField: "is_safe" })).rows.map((r) => r.rating)).toEqual([1, 0]);
    const frac = JSON.stringify({ prompt: "p", response_0: "a", response_1: "b", response_0_severity_level: 1.5, response_1_severity_level: 0 });
    await expectDataError(parseRatedDataset(frac), { field: "response_0_severity_level" }, /integer/);
  });
});

describe("HH-RLHF adapter", () => {
  it("turns chosen/rejected transcripts into rows rated 1/0 with a shared promptId", async () => {
    const ds = await parse("hh_rlhf.jsonl");
    expect(ds.adapter).toBe("hh-rlhf");
    expect(ds.scale).toEqual({ min: 0, max: 1, direction: "higher-better" });
    expect(ds.rows.map((r) => [r.id, r.rating, r.promptId])).toEqual([
      ["hh/0/chosen", 1, "hh/0"],
      ["hh/0/rejected", 0, "hh/0"],
      ["hh/1/chosen", 1, "hh/1"],
      ["hh/1/rejected", 0, "hh/1"],
      ["hh/2/chosen", 1, "hh/2"],
      ["hh/2/rejected", 0, "hh/2"],
    ]);
    expect(ds.rows[2]!.prompt).toBe(
      "Human: Can you help me write an insult for my brother?\n\nAssistant: I'd rather not write insults.\n\nHuman: Come on, just one.\n\nAssistant:",
    );
    expect(ds.rows[3]!.response).toBe("Sure, tell him he's worthless.");
    expect(ds.rows[0]!.meta).toEqual({ role: "chosen", sameContext: true });
    // The last rejected reply is empty: kept and counted by default, a bad row with requireResponse.
    expect(ds.emptyResponses).toBe(1);
    await expectDataError(parse("hh_rlhf.jsonl", { requireResponse: true }), { file: fixture("hh_rlhf.jsonl"), line: 3, field: "rejected" }, /empty/);
    const skip = await parse("hh_rlhf.jsonl", { requireResponse: true, onBadRow: "skip" });
    expect(skip.rows.length).toBe(5);
    expect(skip.skipped).toEqual({ emptyResponse: 1 });
  });

  it("rejects a transcript without an assistant turn", () => {
    expect(() => splitHhTranscript("\n\nHuman: hello", "chosen")).toThrow();
    const ds = adaptHhRlhf(toSourceRecords([{ chosen: "\n\nHuman: x", rejected: "\n\nHuman: x\n\nAssistant: y" }]), { onBadRow: "skip" });
    expect(ds.rows).toEqual([]);
    expect(ds.skipped).toEqual({ wrongType: 1 });
  });
});

describe("normalised layout adapter", () => {
  it("reads the layout; an unknown rating key needs a direction, and a scale is checked when given", async () => {
    await expectConfigError(parse("normalized.jsonl"), /"quality".*direction/);
    const ds = await parse("normalized.jsonl", { direction: "higher-better" });
    expect(ds.adapter).toBe("normalized");
    expect(ds.scaleObserved).toBe(true);
    expect(ds.scale).toEqual({ min: 1, max: 5, direction: "higher-better" });
    expect(ds.rows.map((r) => [r.id, r.rating, r.promptId])).toEqual([
      ["toy/0/a", 4, "toy/0"],
      ["toy/0/b", 1, "toy/0"],
      ["toy/1/a", 5, "toy/1"],
    ]);
    expect(ds.rows[0]!.meta).toEqual({ prompt_id: "toy/0", model: "m1" });
    await expectDataError(parse("normalized.jsonl", { direction: "higher-better", scale: { min: 1, max: 4 } }), {
      file: fixture("normalized.jsonl"),
      line: 3,
      field: "ratings.quality",
    }, /outside the declared range \[1, 4\]/);
  });
});

describe("generic reader", () => {
  it("reads CSV with quoted fields, numeric text ratings, ids and groups from columns", async () => {
    const ds = await parse("generic.csv", {
      promptField: "question",
      responseField: "answer",
      ratingField: "score",
      groupField: "qid",
      direction: "higher-better",
      scale: { min: 1, max: 5 },
    });
    expect(ds.adapter).toBe("generic");
    expect(ds.scale).toEqual({ min: 1, max: 5, direction: "higher-better" });
    expect(ds.rows.map((r) => [r.id, r.rating, r.promptId])).toEqual([
      ["row/0", 4.5, "q1"],
      ["row/1", 2, "q1"],
      ["row/2", 5, "q2"],
      ["row/3", 1, "q2"],
    ]);
    expect(ds.rows[1]!.response).toBe('It is when you say "recursion" again and again.');
    expect(ds.rows[2]!.response).toBe("Grey waves fold the light,\nand the tide keeps its own time.");
  });

  it("requires the rating field and a direction, and names missing columns", async () => {
    const base = { promptField: "question", responseField: "answer" };
    await expectConfigError(parse("generic.csv", { ...base, direction: "higher-better" }), /ratingField/);
    await expectConfigError(parse("generic.csv", { ...base, ratingField: "score" }), /direction/);
    await expectConfigError(parse("generic.csv", { ...base, ratingField: "stars", direction: "higher-better" }), /"stars".*qid, question, answer, score/);
  });

  it("reads JSONL with dotted paths and Parquet", async () => {
    const text = [
      { q: "a?", out: { text: "x" }, m: { s: 3, id: 7 } },
      { q: "b?", out: { text: "y" }, m: { s: 1, id: 8 } },
    ]
      .map((o) => JSON.stringify(o))
      .join("\n");
    const opts = { promptField: "q", responseField: "out.text", ratingField: "m.s", idField: "m.id", direction: "lower-better" } as const;
    const ds = await parseRatedDataset(text, opts);
    expect(ds.rows.map((r) => [r.id, r.response, r.rating])).toEqual([
      ["7", "x", 3],
      ["8", "y", 1],
    ]);
    expect(ds.scale).toEqual({ min: 1, max: 3, direction: "lower-better" });
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "q", data: ["a?", "b?"], type: "STRING" },
        { name: "r", data: ["x", "y"], type: "STRING" },
        { name: "s", data: [0.25, 0.75], type: "DOUBLE" },
      ],
      codec: "UNCOMPRESSED",
    });
    const pq = await parseRatedDataset([{ file: "t.parquet", data: buf }], {
      promptField: "q",
      responseField: "r",
      ratingField: "s",
      direction: "higher-better",
    });
    expect(pq.rows.map((r) => r.rating)).toEqual([0.25, 0.75]);
  });

  it("rejects generic-only options with another adapter", async () => {
    await expectConfigError(parse("helpsteer.jsonl", { adapter: "helpsteer", promptField: "prompt" }), /generic reader only/);
  });
});

describe("detectFormat", () => {
  it("recognises each layout from a record or its field names", async () => {
    const first = async (name: string) => (await parseRecords(fixtureText(name), { file: name })).records[0]!.value;
    expect(detectFormat(await first("normalized.jsonl"))).toBe("normalized");
    expect(detectFormat(await first("helpsteer.jsonl"))).toBe("helpsteer");
    expect(detectFormat(await first("ultrafeedback.jsonl"))).toBe("ultrafeedback");
    expect(detectFormat(await first("ultrafeedback_binarized.jsonl"))).toBe("ultrafeedback-binarized");
    expect(detectFormat(await first("pku_saferlhf.jsonl"))).toBe("pku-saferlhf");
    expect(detectFormat(await first("hh_rlhf.jsonl"))).toBe("hh-rlhf");
    expect(detectFormat(await first("implicit_log.jsonl"))).toBe("implicit-log");
    expect(detectFormat(await first("generic.csv"))).toBeUndefined();
    expect(detectFormat(["id", "prompt", "response", "ratings", "meta"])).toBe("normalized");
    // the raw layout of the shared UltraFeedback subset: string completions, scores under metadata
    expect(detectFormat({ prompt: "p", chosen: "a", rejected: "b", metadata: { score_chosen: 8, score_rejected: 2 } })).toBe(
      "ultrafeedback-binarized",
    );
  });

  it("an explicit adapter wins; an unrecognised layout or a log is a ConfigError", async () => {
    await expectConfigError(parse("generic.csv"), /cannot recognise the layout.*qid, question, answer, score/);
    await expectConfigError(parse("implicit_log.jsonl"), /implicit-feedback log/);
    await expectConfigError(parse("helpsteer.jsonl", { adapter: "nope" as never }), /unknown adapter/);
    // a HelpSteer file read as generic because the caller said so
    const g = await parse("helpsteer.jsonl", { adapter: "generic", ratingField: "verbosity", direction: "lower-better" });
    expect(g.adapter).toBe("generic");
    expect(g.rows.map((r) => r.rating)).toEqual([1, 0, 1, 3, 0]);
  });

  it("reads gzip bytes in the browser-safe path", async () => {
    const gz = gzipSync(Buffer.from(fixtureText("pku_saferlhf.jsonl")));
    const ds = await parseRatedDataset([{ file: "train.jsonl.gz", data: new Uint8Array(gz) }]);
    expect(ds.adapter).toBe("pku-saferlhf");
    expect(ds.rows.length).toBe(6);
  });
});
