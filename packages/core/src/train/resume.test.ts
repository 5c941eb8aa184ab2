import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, DataError, DivergenceError } from "../errors.js";
import type { HeadWeights } from "../heads.js";
import { bceWithLogits } from "../math.js";
import { registerObjective } from "../objectives/registry.js";
import type { HeadName } from "../objectives/types.js";
import { toyFeatureSet, useCpu } from "../test-utils/setup.js";
import type { TrainOptions } from "./options.js";
import { train } from "./train.js";
import type { CheckpointInfo, TrainData, TrainResult, TrainState } from "./types.js";
import type { FeatureSet, RowSource } from "../types.js";
import "../register-gradients.js";

beforeAll(useCpu);

const data: TrainData = { train: toyFeatureSet(600, 6, 11), validation: toyFeatureSet(200, 6, 12) };
const small: Partial<TrainOptions> = { hidden: [8], epochs: 4, patience: 50, batchSize: 96, lr: 3e-3, seed: 5 };

/** Bytes of every weight of every head, for bit-for-bit comparison. */
function bits(weights: Partial<Record<HeadName, HeadWeights>>): string[] {
  const out: string[] = [];
  for (const [name, w] of Object.entries(weights).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [i, l] of w!.layers.entries()) {
      out.push(`${name}${i}k:${Buffer.from(l.kernel.buffer, l.kernel.byteOffset, l.kernel.byteLength).toString("hex")}`);
      out.push(`${name}${i}b:${Buffer.from(l.bias.buffer, l.bias.byteOffset, l.bias.byteLength).toString("hex")}`);
    }
  }
  return out;
}

/** The history without its timings. */
const history = (r: TrainResult) => r.history.map(({ samplesPerSec: _s, ...rest }) => rest);

async function record(options: Partial<TrainOptions>, every: number): Promise<{ result: TrainResult; states: Array<{ state: TrainState; info: CheckpointInfo }> }> {
  const states: Array<{ state: TrainState; info: CheckpointInfo }> = [];
  const result = await train(data, options, { checkpointEvery: every, onCheckpoint: (state, info) => void states.push({ state, info }) });
  return { result, states };
}

describe("resuming from a training state", () => {
  for (const [label, options] of [
    ["implicitrm (two heads, positives+k)", { ...small, objective: "implicitrm" }],
    ["bpr (pairs)", { ...small, objective: "bpr", epochs: 3 }],
    ["naive with gradient clipping, full sampling", { ...small, objective: "naive", sampling: "full", clipNorm: 0.05 }],
  ] as const) {
    it(`${label}: every checkpoint resumes to bit-identical weights and the same history`, async () => {
      const { result: whole, states } = await record(options, 5);
      expect(states.some((s) => s.info.reason === "steps" && s.state.batch > 0)).toBe(true);
      expect(states.filter((s) => s.info.reason === "evaluation").length).toBe(whole.history.length);
      const last = states.at(-1)!.state;
      expect(last.finished).toBe(true);
      // a mid-epoch state, an end-of-epoch state and the final one
      const picks = [states.find((s) => s.state.batch > 0 && s.state.epoch === 2)!, states.find((s) => s.info.reason === "evaluation")!, states.at(-1)!];
      for (const { state } of picks) {
        const resumed = await train(data, options, { resume: state });
        expect(bits(resumed.model.getWeights())).toEqual(bits(whole.model.getWeights()));
        expect(history(resumed)).toEqual(history(whole));
        expect([resumed.bestEpoch, resumed.steps, resumed.stoppedEarly]).toEqual([whole.bestEpoch, whole.steps, whole.stoppedEarly]);
        resumed.model.dispose();
      }
      whole.model.dispose();
    });
  }

  it("an aborted run hands over its state after the step it was on, and resumes to the uninterrupted result", async () => {
    const options = { ...small, objective: "implicitrm" };
    const whole = await train(data, options);
    const ac = new AbortController();
    const got: Array<{ state: TrainState; info: CheckpointInfo }> = [];
    const cut = await train(data, options, {
      signal: ac.signal,
      onStep: (step) => step === 9 && ac.abort(),
      onCheckpoint: (state, info) => void got.push({ state, info }),
    });
    expect(cut.interrupted).toBe(true);
    expect(cut.steps).toBe(9);
    expect(got.at(-1)!.info).toEqual({ reason: "interrupt", step: 9 });
    const resumed = await train(data, options, { resume: got.at(-1)!.state });
    expect(resumed.interrupted).toBe(false);
    expect(bits(resumed.model.getWeights())).toEqual(bits(whole.model.getWeights()));
    for (const r of [whole, cut, resumed]) r.model.dispose();
  });

  it("refuses a state from another objective, other rows or another seed", async () => {
    const { result, states } = await record({ ...small, objective: "implicitrm", epochs: 2 }, 4);
    result.model.dispose();
    const mid = states.find((s) => s.state.batch > 0)!.state;
    await expect(train(data, { ...small, objective: "naive", epochs: 2 }, { resume: mid })).rejects.toThrow(/objective "implicitrm", not "naive"/);
    await expect(train(data, { ...small, objective: "implicitrm", epochs: 2, seed: 6 }, { resume: mid })).rejects.toThrow(/row order differs/);
    const wider: TrainData = { train: toyFeatureSet(600, 7, 11), validation: toyFeatureSet(200, 7, 12) };
    await expect(train(wider, { ...small, objective: "implicitrm", epochs: 2 }, { resume: mid })).rejects.toThrow(DataError);
    await expect(train(data, { ...small, objective: "implicitrm", epochs: 2, hidden: [9] }, { resume: mid })).rejects.toThrow(/weights do not fit/);
  });
});

describe("divergence guard", () => {
  let calls = 0;
  let poisonAt = Number.POSITIVE_INFINITY;
  registerObjective({
    name: "test-nan-loss",
    summary: "BCE on r that becomes NaN at a chosen call (test only)",
    samplingLabel: "r",
    heads: ["reward"],
    needs: {},
    defaults: {},
    loss: (b) => {
      calls++;
      const bce = tf.mean(bceWithLogits(b.logits.reward!, b.r)) as tf.Scalar;
      return { total: calls >= poisonAt ? (tf.mul(bce, Number.NaN) as tf.Scalar) : bce };
    },
  });
  registerObjective({
    name: "test-nan-gradient",
    summary: "a finite loss whose gradient is NaN (√ at 0; test only)",
    samplingLabel: "r",
    heads: ["reward"],
    needs: {},
    defaults: {},
    loss: (b) => ({ total: tf.sum(tf.sqrt(tf.mul(b.logits.reward!, 0))) as tf.Scalar }),
  });

  it("stops at the step whose loss is NaN, naming it and the last checkpoint", async () => {
    calls = 0;
    poisonAt = 7;
    const written: number[] = [];
    const err = await train(data, { ...small, objective: "test-nan-loss" }, {
      checkpointEvery: 2,
      onCheckpoint: (_s, info) => {
        written.push(info.step);
        return `ckpt-${info.step}`;
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.step).toBe(7);
    expect(err.lastCheckpoint).toBe("ckpt-6");
    expect(err.message).toMatch(/training diverged at step 7 \(epoch 1, batch 7\): the loss is NaN; the weights were not updated\. Last good checkpoint: ckpt-6\. .*clipNorm/);
    expect(written).toEqual([2, 4, 6]);
  });

  it("stops on a non-finite gradient even when the loss is finite", async () => {
    const err = await train(data, { ...small, objective: "test-nan-gradient" }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/at step 1 .*the gradient of the reward head is not finite .*Last good checkpoint: none written yet/);
  });

  it("clipNorm bounds each step; 0 leaves training as it was; a negative value is a ConfigError", async () => {
    const base = await train(data, { ...small, objective: "naive", epochs: 1 });
    const off = await train(data, { ...small, objective: "naive", epochs: 1, clipNorm: 0 });
    const clipped = await train(data, { ...small, objective: "naive", epochs: 1, clipNorm: 1e-3 });
    expect(bits(off.model.getWeights())).toEqual(bits(base.model.getWeights()));
    expect(bits(clipped.model.getWeights())).not.toEqual(bits(base.model.getWeights()));
    for (const r of [base, off, clipped]) r.model.dispose();
    await expect(train(data, { ...small, clipNorm: -1 })).rejects.toThrow(ConfigError);
  });
});

describe("rows read on demand (RowSource)", () => {
  /** The same rows with the features behind readRows only, counting the reads. */
  function onDemand(fs: FeatureSet): RowSource & { reads: number } {
    const { features, ...rest } = fs;
    const src = {
      ...rest,
      reads: 0,
      readRows(rows: ArrayLike<number>, out: Float32Array) {
        src.reads++;
        for (let i = 0; i < rows.length; i++) out.set(features.subarray(rows[i]! * fs.dim, (rows[i]! + 1) * fs.dim), i * fs.dim);
      },
    };
    return src;
  }

  it("trains to bit-identical weights whether the features are in memory or read in blocks", async () => {
    const options = { ...small, objective: "implicitrm", epochs: 2 };
    const mem = await train(data, options);
    const train_ = onDemand(data.train as FeatureSet);
    const validation = onDemand(data.validation as FeatureSet);
    const disk = await train({ train: train_, validation }, options);
    expect(train_.reads).toBeGreaterThan(0);
    expect(validation.reads).toBeGreaterThan(0);
    expect(bits(disk.model.getWeights())).toEqual(bits(mem.model.getWeights()));
    expect(disk.diagnostics?.pearson).toBe(mem.diagnostics?.pearson);
    mem.model.dispose();
    disk.model.dispose();
  });

  it("asks for features in memory where an estimator needs them all", async () => {
    const src = onDemand(data.train as FeatureSet);
    await expect(train({ train: src, validation: data.validation }, { ...small, objective: "ips", objectiveOptions: { propensity: "estimated" } })).rejects.toThrow(
      /propensity 'estimated' needs all features in memory/,
    );
  });
});
