import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@implicitrm/core/errors";
import { afterAll, describe, expect, it } from "vitest";
import { createEncoder } from "./create.js";
import { embedRows } from "./embed.js";
import { HashingEncoder } from "./hashing.js";
import { StaticEncoder } from "./static.js";
import { writeTinyBertModel } from "./testing/tiny-bert.js";
import { TransformerEncoder } from "./transformer/transformer-encoder.js";

const tmp = mkdtempSync(join(tmpdir(), "irm-embed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("createEncoder", () => {
  it("builds each kind from a spec string", async () => {
    const h = await createEncoder("hashing");
    expect(h).toBeInstanceOf(HashingEncoder);
    expect(h.dim).toBe(1024);
    expect((await createEncoder("hashing:64", { hashing: { sublinearTf: true } })).config).toMatchObject({ dim: 64, sublinearTf: true });

    writeFileSync(join(tmp, "v.txt"), "cat 1 0\ndog 0 1\n");
    const s = await createEncoder(`static:${join(tmp, "v.txt")}`);
    expect(s).toBeInstanceOf(StaticEncoder);
    expect(s.dim).toBe(2);

    const info = writeTinyBertModel(join(tmp, "tiny"), { quantized: false });
    const t = await createEncoder(`transformer:${info.dir}`, { transformer: { pooling: "cls" } });
    expect(t).toBeInstanceOf(TransformerEncoder);
    expect(t.id).toBe("transformer:tiny:cls");
    await t.dispose?.();
  });

  it("rejects unknown or incomplete specs, naming the accepted forms", async () => {
    await expect(createEncoder("bert")).rejects.toThrow(ConfigError);
    await expect(createEncoder("bert")).rejects.toThrow(/use hashing\[:<dim>\], static:<word-vector file> or transformer:<model/);
    await expect(createEncoder("hashing:big")).rejects.toThrow(/needs an integer dim/);
    await expect(createEncoder("static:")).rejects.toThrow(/static:<path/);
    await expect(createEncoder("transformer:")).rejects.toThrow(/transformer:<model directory/);
  });
});

describe("memory-sized requests (issue 15 class 9)", () => {
  it("vectors over the budget are a ConfigError saying how much memory they need, before any encoding", async () => {
    const enc = new HashingEncoder({ dim: 1 << 24 });
    const rows = Array.from({ length: 100 }, (_, i) => ({ prompt: `q${i}`, response: `answer ${i}` }));
    const t = performance.now();
    const e = await embedRows(rows, enc).catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/100 rows × dim 16,777,216 × 4 bytes need 6\.3 GiB of memory for the vectors, more than the budget of 4\.0 GiB; use a smaller encoder dimension/);
    expect(performance.now() - t).toBeLessThan(1_000);
    // a smaller budget is an option; within it, the vectors come back as before
    await expect(embedRows(rows.slice(0, 2), new HashingEncoder({ dim: 64 }), null, { maxBytes: 256 })).rejects.toThrow(/need 512 bytes .*budget of 256 bytes/);
    expect((await embedRows(rows.slice(0, 2), new HashingEncoder({ dim: 64 }), null, { maxBytes: 512 })).length).toBe(128);
  });
});
