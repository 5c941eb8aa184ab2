// Checkpoints and resuming with real processes: a run killed with SIGKILL at a random step, or
// stopped with SIGINT/SIGTERM, resumes to bit-identical weights; bad checkpoints are refused.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
// The same run every time: synthetic data, small heads, a checkpoint every 3 steps.
const RUN = ["--epochs", "5", "--patience", "50", "--hidden", "8", "--backend", "cpu", "--checkpoint-every", "3", "--keep-checkpoints", "2", "--quiet"];

function cli(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const workdir = () => mkdtempSync(join(tmpdir(), "implicitrm-resume-"));
const ckptDir = (run: string) => join(run, "checkpoints");
const checkpoints = (run: string) => (existsSync(ckptDir(run)) ? readdirSync(ckptDir(run)).filter((f) => f.endsWith(".irmckpt")).sort() : []);
const stepOf = (name: string) => Number(/ckpt-s(\d+)/.exec(name)![1]);

/** The trained heads (base64 float32: equal strings are equal bits) and the history without timings. */
function result(run: string) {
  const model = JSON.parse(readFileSync(join(run, "model.json"), "utf8"));
  const metrics = JSON.parse(readFileSync(join(run, "metrics.json"), "utf8"));
  return {
    heads: model.heads,
    history: metrics.history.map(({ samplesPerSec: _s, ...r }: Record<string, unknown>) => r),
    steps: metrics.steps,
    test: metrics.test,
  };
}

/** Starts a run and resolves once a checkpoint of step ≥ `atLeast` exists (polling), with the child still running. */
function startRun(args: string[], cwd: string, run: string, atLeast: number): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stderr: string }> }> {
  const child = spawn(process.execPath, [bin, "train", ...args, "--out", run], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", () => {});
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the run ended (code ${child.exitCode}) before a checkpoint of step ${atLeast}: ${stderr}`));
      } else if (checkpoints(run).some((f) => stepOf(f) >= atLeast)) {
        clearInterval(timer);
        resolve({ child, exit });
      }
    }, 5);
  });
}

describe("implicitrm train: checkpoints and --resume with real processes", () => {
  const dir = workdir();
  const whole = join(dir, "whole");
  let reference: ReturnType<typeof result>;

  it("an uninterrupted run keeps the last 2 checkpoints and the best, and finishes", () => {
    const res = cli(["train", ...RUN, "--out", whole], dir);
    expect(res.code, res.stderr).toBe(0);
    reference = result(whole);
    const kept = checkpoints(whole);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(JSON.parse(readFileSync(join(whole, "metrics.json"), "utf8")).checkpoints.last).toMatch(/ckpt-s\d+-e000006-b00000000\.irmckpt$/);
  });

  it("SIGKILL at a random step, then --resume: bit-identical weights and the same history", async () => {
    const run = join(dir, "killed");
    const total = reference.steps as number;
    const at = 1 + Math.floor(Math.random() * (total - 4)); // a random step before the end
    const { child, exit } = await startRun(RUN, dir, run, at);
    child.kill("SIGKILL");
    const ended = await exit;
    expect(ended.signal).toBe("SIGKILL");
    expect(existsSync(join(run, "model.json"))).toBe(false);
    const left = checkpoints(run);
    expect(stepOf(left.at(-1)!)).toBeLessThan(total);
    // a fresh run into the directory is refused: it would throw the work away
    const fresh = cli(["train", ...RUN, "--out", run], dir);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/holds checkpoints of an unfinished run .*--resume .*--restart/);
    const res = cli(["train", "--resume", run, "--quiet"], dir);
    expect(res.code, `killed after step ${at}: ${res.stderr}`).toBe(0);
    const resumed = result(run);
    expect(resumed.heads).toEqual(reference.heads);
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.test).toEqual(reference.test);
    // --resume writes the same record.json as the run that never stopped
    const record = (d: string) => {
      const { createdAt: _t, ...r } = JSON.parse(readFileSync(join(d, "record.json"), "utf8"));
      return r;
    };
    expect(record(run)).toEqual(record(whole));
  });

  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`${sig} finishes the step, writes a checkpoint, exits ${sig === "SIGINT" ? 130 : 143} with a message; --resume completes the run exactly`, async () => {
      const run = join(dir, sig);
      const { child, exit } = await startRun(RUN, dir, run, 4);
      child.kill(sig);
      const ended = await exit;
      expect(ended.code).toBe(sig === "SIGINT" ? 130 : 143);
      expect(ended.stderr).toMatch(new RegExp(`${sig}: finishing the current step and writing a checkpoint`));
      expect(ended.stderr).toMatch(new RegExp(`stopped by ${sig} at step (\\d+); checkpoint .*ckpt-s\\d+.*\\ncontinue with: implicitrm train --resume `));
      expect(ended.stderr).not.toMatch(/\n\s+at /);
      const stoppedAt = Number(/stopped by \w+ at step (\d+)/.exec(ended.stderr)![1]);
      expect(stepOf(checkpoints(run).at(-1)!)).toBe(stoppedAt);
      const res = cli(["train", "--resume", run, "--quiet"], dir);
      expect(res.code, res.stderr).toBe(0);
      expect(result(run).heads).toEqual(reference.heads);
    });
  }

  it("passes over a damaged newest checkpoint and still resumes exactly from the one before", async () => {
    const run = join(dir, "damaged");
    const { child, exit } = await startRun(RUN, dir, run, 7);
    child.kill("SIGKILL");
    await exit;
    const files = checkpoints(run);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const newest = join(ckptDir(run), files.at(-1)!);
    const bytes = readFileSync(newest);
    writeFileSync(newest, bytes.subarray(0, bytes.length - 100)); // cut short
    const res = cli(["train", "--resume", run, "--quiet"], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/passing over an unusable checkpoint: .*checksum mismatch/);
    expect(result(run).heads).toEqual(reference.heads);
  });

  it("refuses a changed config, a tampered or foreign checkpoint, and a directory with none, each with a clear message", () => {
    const run = join(dir, "refuse");
    expect(cli(["train", ...RUN, "--epochs", "1", "--out", run], dir).code).toBe(0);
    const changed = cli(["train", "--resume", run, "--lr", "0.01", "--quiet"], dir);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/another config .*lr: 0\.0005 in the checkpoint, 0\.01 now.*--allow-config-change/);
    expect(changed.stderr).not.toMatch(/\n\s+at /);
    // every checkpoint tampered with: one flipped byte each
    for (const f of checkpoints(run)) {
      const p = join(ckptDir(run), f);
      const b = readFileSync(p);
      b[b.length >> 1]! ^= 0x40;
      writeFileSync(p, b);
    }
    const tampered = cli(["train", "--resume", run, "--quiet"], dir);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/ckpt-s\d+.*\.irmckpt: checksum mismatch: the checkpoint was changed or cut short/);
    writeFileSync(join(ckptDir(run), "ckpt-s9999999999-e000001-b00000000.irmckpt"), "#!/bin/sh\nrm -rf /\n");
    const foreign = cli(["train", "--resume", run, "--quiet"], dir);
    expect(foreign.stderr).toMatch(/not an ImplicitRM training checkpoint \(wrong magic bytes\)|checksum mismatch/);
    const none = cli(["train", "--resume", join(dir, "nothing-here"), "--quiet"], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no checkpoint to resume from/);
  });

  it("a diverging run stops with the step, the last good checkpoint and how to continue from it", () => {
    const run = join(dir, "diverge");
    const res = cli(["train", "--epochs", "2", "--hidden", "8", "--backend", "cpu", "--quiet", "--lr", "1e30", "--checkpoint-every", "1", "--out", run], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/training diverged at step 2 \(epoch 1, batch 2\): the loss is NaN; the weights were not updated\. Last good checkpoint: .*ckpt-s0000000001-e000001-b00000001\.irmckpt/);
    expect(res.stderr).toMatch(/implicitrm train --resume .* --allow-config-change/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(run, "model.json"))).toBe(false); // never a silently NaN model
  });
});
