import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { DataError, RewardModel, type TrainState, train } from "@implicitrm/core";
import { syntheticDataset } from "@implicitrm/datasets";
import { beforeAll, describe, expect, it } from "vitest";
import { deserializeModel, serializeModel } from "./model-dir.js";
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointHeader,
  CheckpointWriter,
  TRAINER_VERSION,
  configHash,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
} from "./checkpoints.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const tmp = () => mkdtempSync(join(tmpdir(), "irm-state-"));
const config = { objective: "recrec-i", lr: 1e-3, seed: 3, out: "x", backend: "cpu" };

/** Real states of a short recrec-i run (its activity head is the 'constant' kind), written by CheckpointWriter. */
async function states(): Promise<{ dir: string; states: TrainState[] }> {
  const d = syntheticDataset({ seed: 3 });
  const dir = tmp();
  const writer = new CheckpointWriter(dir, { keep: 2, config, backend: "cpu", data: { trainRows: d.train.n, dim: d.train.dim } });
  const got: TrainState[] = [];
  const res = await train(
    { train: d.train, validation: d.validation },
    { objective: "recrec-i", hidden: [8], epochs: 2, lr: 1e-3, seed: 3 },
    {
      checkpointEvery: 7,
      onCheckpoint: (s, info) => {
        got.push(s);
        return writer.write(s, info);
      },
    },
  );
  res.model.dispose();
  return { dir, states: got };
}

const header = (over: Partial<CheckpointHeader> = {}, state?: TrainState): CheckpointHeader => ({
  format: CHECKPOINT_FORMAT,
  version: CHECKPOINT_VERSION,
  implicitrm: TRAINER_VERSION,
  createdAt: "2025-01-01T00:00:00Z",
  reason: "steps",
  step: state?.steps ?? 0,
  epoch: state?.epoch ?? 1,
  batch: state?.batch ?? 0,
  finished: false,
  configHash: configHash(config),
  config,
  backend: "cpu",
  // a state's model reads the training data's dimension (checked since issue 15's cross-field checks)
  data: { trainRows: 1, dim: state?.model.inputDim ?? 1 },
  ...over,
});

/** A checkpoint file from raw header JSON text and a blob, with a valid checksum (a well-formed but hostile file). */
function rawFile(json: string, blob = new Float32Array(0)): Buffer {
  const j = Buffer.from(json, "utf8");
  const start = Math.ceil((12 + j.length) / 8) * 8;
  const buf = Buffer.alloc(start + blob.byteLength + 32);
  buf.write("IRMCKPT1", 0, "latin1");
  buf.writeUInt32LE(j.length, 8);
  j.copy(buf, 12);
  Buffer.from(blob.buffer).copy(buf, start);
  createHash("sha256").update(buf.subarray(0, buf.length - 32)).digest().copy(buf, buf.length - 32);
  return buf;
}

describe("checkpoint files", () => {
  it("round-trip a training state bit for bit, keep the last K and the best, and name training order", async () => {
    const { dir, states: all } = await states();
    const files = listCheckpoints(dir);
    expect(files.length).toBeLessThanOrEqual(3);
    const latest = latestCheckpoint(dir)!;
    expect(latest.file).toBe(files.at(-1));
    expect(latest.state).toEqual(all.at(-1));
    expect(latest.header).toMatchObject({ configHash: configHash(config), implicitrm: TRAINER_VERSION, finished: true });
    const mid = all.find((s) => s.batch > 0)!;
    const back = decodeCheckpoint(encodeCheckpoint(header({}, mid), mid), "mid");
    expect(back.state).toEqual(mid);
    expect(back.state.model.heads.activity!.kind).toBe("constant");
  });

  it("refuse a tampered, truncated, foreign-version or malformed file with a clear message", async () => {
    const { states: all } = await states();
    const s = all.at(-1)!;
    const good = Buffer.from(encodeCheckpoint(header({}, s), s));
    const flipped = Buffer.from(good);
    flipped[100]! ^= 1;
    expect(() => decodeCheckpoint(flipped, "f")).toThrow(/f: checksum mismatch: the checkpoint was changed or cut short/);
    expect(() => decodeCheckpoint(good.subarray(0, good.length - 9), "f")).toThrow(/checksum mismatch/);
    expect(() => decodeCheckpoint(Buffer.from("#!/bin/sh\necho pwned\n"), "f")).toThrow(/wrong magic bytes/);
    expect(() => decodeCheckpoint(encodeCheckpoint(header({ implicitrm: "0.0.1" }, s), s), "f")).toThrow(
      /written by @implicitrm\/trainer "0\.0\.1", this is .*resuming across versions is refused/,
    );
    expect(() => decodeCheckpoint(encodeCheckpoint(header({ version: 2 as 1 }, s), s), "f")).toThrow(/checkpoint format version 2 is not supported/);
    expect(() => decodeCheckpoint(encodeCheckpoint(header({ configHash: "0".repeat(64) }, s), s), "f")).toThrow(/config does not match its hash/);
    // shapes: a kernel one value short, a moment of another length, a missing head
    const short = structuredClone(s);
    short.model.heads.reward!.layers[0]!.kernel = short.model.heads.reward!.layers[0]!.kernel.subarray(1).slice();
    expect(() => decodeCheckpoint(encodeCheckpoint(header({}, short), short), "f")).toThrow(/state\.model\.heads\.reward\.layers\[0\].*layer 0 holds/);
    const moments = structuredClone(s);
    moments.optimizers.reward!.v[0] = new Float32Array(3);
    expect(() => decodeCheckpoint(encodeCheckpoint(header({}, moments), moments), "f")).toThrow(DataError);
    const headless = structuredClone(s);
    delete headless.best.weights.activity;
    expect(() => decodeCheckpoint(encodeCheckpoint(header({}, headless), headless), "f")).toThrow(/state\.best\.weights/);
    // a hostile but well-formed file: a prototype key, an array reference out of bounds
    const len = good.readUInt32LE(8);
    const json = JSON.parse(Buffer.from(good.subarray(12, 12 + len)).toString("utf8"));
    const start = Math.ceil((12 + len) / 8) * 8;
    const blob = new Float32Array(good.buffer.slice(good.byteOffset + start, good.byteOffset + good.length - 32));
    const polluted = JSON.stringify({ ...json, state: { ...json.state, history: [JSON.parse('{"__proto__": {"polluted": 1}}')] } });
    expect(() => decodeCheckpoint(rawFile(polluted, blob), "f")).toThrow(/key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const outside = JSON.stringify({ ...json, state: { ...json.state, rng: { $f32: [0, 1e9] } } });
    expect(() => decodeCheckpoint(rawFile(outside, blob), "f")).toThrow(/outside the data section/);
  });

  it("the config hash ignores where a run writes and its backend, and nothing else", () => {
    expect(configHash({ ...config, out: "elsewhere", backend: "wasm" })).toBe(configHash(config));
    expect(configHash({ ...config, lr: 2e-3 })).not.toBe(configHash(config));
    expect(configHash({ lr: 1, seed: 2 })).toBe(configHash({ seed: 2, lr: 1 }));
  });

  it("a damaged newest file is passed over for the one before; with none usable, the error names the file", async () => {
    const { dir } = await states();
    const files = listCheckpoints(dir);
    writeFileSync(files.at(-1)!, readFileSync(files.at(-1)!).subarray(0, 50));
    const found = latestCheckpoint(dir)!;
    expect(found.file).toBe(files.at(-2));
    expect(found.rejected[0]!.message).toMatch(/checksum mismatch|wrong magic/);
    for (const f of files) writeFileSync(f, "x");
    expect(() => latestCheckpoint(dir)).toThrow(DataError);
  });
});

describe("checkpoint fields against each other (issue 15, class 6)", () => {
  it("refuses a checksum-valid checkpoint whose model.hidden, inputDim, objective, optimizer or epoch fields disagree, naming file and field", async () => {
    const { states: all } = await states();
    const s = all.at(-1)!;
    const refused = (change: (t: TrainState) => void, over: Partial<CheckpointHeader> = {}) => {
      const t = structuredClone(s);
      change(t);
      try {
        decodeCheckpoint(encodeCheckpoint(header(over, t), t), "run/checkpoints/ckpt.irmckpt");
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        return e as DataError;
      }
      throw new Error("accepted");
    };
    const huge = refused((t) => (t.model.hidden = [1e9, 1e9]));
    expect(huge.message).toMatch(/run\/checkpoints\/ckpt\.irmckpt.*state\.model\.hidden.*model\.hidden \[1000000000,1000000000\] disagrees with the reward head's widths \[8\]/s);
    expect(huge.location?.field).toBe("state.model.hidden");
    expect(huge.location?.file).toBe("run/checkpoints/ckpt.irmckpt");
    expect(refused((t) => (t.model.inputDim += 1)).location?.field).toMatch(/^state\.model\.(inputDim|heads\.reward\.inputDim)$/);
    expect(refused(() => undefined, { data: { trainRows: 1, dim: s.model.inputDim + 1 } }).location?.field).toBe("state.model.inputDim");
    expect(refused((t) => (t.model.objective = "naive")).location?.field).toBe("state.model.objective");
    expect(refused(() => undefined, { config: { ...config, objective: "naive" }, configHash: configHash({ ...config, objective: "naive" }) }).location?.field).toBe("state.objective");
    expect(refused((t) => (t.model.contextDim = 3)).location?.field).toBe("state.model.contextDim");
    expect(refused((t) => (t.best.epoch = t.epoch + 1)).location?.field).toBe("state.best.epoch");
    expect(refused((t) => (t.optimizers.reward!.iterations = t.steps + 1)).location?.field).toBe("state.optimizers.reward.iterations");
    expect(refused((t) => (t.sinceBest = t.epoch + 1)).location?.field).toBe("state.sinceBest");
    expect(refused((t) => t.history.reverse()).location?.field).toMatch(/^state\.history\[\d+\]$/);
    expect(refused(() => undefined, { config: { ...config, hidden: [9] }, configHash: configHash({ ...config, hidden: [9] }) }).location?.field).toBe("state.model.hidden");
    const split = refused((t) => {
      const o = t.optimizers.reward!;
      const [a, ...rest] = o.m;
      const [b, ...restV] = o.v;
      o.m = [a!.subarray(0, 1).slice(), a!.subarray(1).slice(), ...rest];
      o.v = [b!.subarray(0, 1).slice(), b!.subarray(1).slice(), ...restV];
    });
    expect(split.location?.field).toBe("state.optimizers.reward.m");
  });
});

describe("model files", () => {
  it("keep a constant head constant (recrec-i's global activity)", () => {
    const model = new RewardModel("recrec-i", ["reward", "activity"], 4, [3], 1, undefined, { activity: "constant" });
    const json = JSON.parse(JSON.stringify(serializeModel(model)));
    expect(json.heads.activity.kind).toBe("constant");
    const back = deserializeModel(json, "model.json");
    expect(back.head("activity").kind).toBe("constant");
    expect(back.head("reward").kind).toBe("mlp");
    const x = new Float32Array([1, 2, 3, 4, -1, 0, 2, 1]);
    expect(back.predict(x, "activity")).toEqual(model.predict(x, "activity"));
    expect(() => deserializeModel({ ...json, heads: { ...json.heads, activity: { ...json.heads.activity, kind: "eval" } } }, "model.json")).toThrow(/unknown kind "eval"/);
    model.dispose();
    back.dispose();
  });
});
