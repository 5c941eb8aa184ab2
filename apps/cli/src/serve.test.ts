// End-to-end tests of `implicitrm serve`: a model trained by the built `implicitrm train`, served by
// a real child process on 127.0.0.1, driven by fetch, raw sockets, and Debian's Python (urllib)
// sending OpenRLHF- and verl-shaped requests and running the repository's verl compute_score file.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RewardScorer, loadRewardModel } from "@implicitrm/serve";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const verlFile = fileURLToPath(new URL("../../serve/integrations/verl_reward.py", import.meta.url));
const PYTHON = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "implicitrm-serve-"));
const modelDir = join(work, "model");
let scorer: RewardScorer;

beforeAll(async () => {
  const rows = [];
  for (let i = 0; i < 300; i++) {
    const good = i % 2 === 0;
    rows.push(
      JSON.stringify({
        prompt: `Question ${i % 37}: how do I do task ${i % 11}?`,
        response: good ? `Here is a careful, correct answer number ${i} with the steps in order.` : `no idea ${i}`,
        rating: good ? 5 : 1,
      }),
    );
  }
  writeFileSync(join(work, "rated.jsonl"), `${rows.join("\n")}\n`);
  const train = spawnSync(
    process.execPath,
    [bin, "train", "--data", join(work, "rated.jsonl"), "--prompt-field", "prompt", "--response-field", "response", "--rating-field", "rating"]
      .concat(["--direction", "higher-better", "--encoder", "hashing:256", "--hidden", "16", "--epochs", "1", "--backend", "cpu", "--quiet", "--out", modelDir]),
    { encoding: "utf8", timeout: 120_000 },
  );
  expect(train.status, train.stderr).toBe(0);
  scorer = await loadRewardModel(modelDir, { backend: "cpu" });
});
afterAll(async () => {
  await scorer?.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** Starts `implicitrm serve` on a free port; resolves once its first stdout line names the URL. */
async function startServer(extra: string[] = []): Promise<{ child: ChildProcess; url: string; firstLine: string; exit: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, "serve", "--model", modelDir, "--port", "0", "--backend", "cpu", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no listening line in 30 s; stderr: ${err}`)), 30_000);
    child.stdout!.on("data", (d) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code} before listening; stderr: ${err}`)));
  });
  return { child, url: firstLine.replace(/^listening on /, ""), firstLine, exit, stderr: () => err };
}

describe("implicitrm serve", () => {
  it("prints `listening on http://HOST:PORT` first, serves /get_reward equal to score() to 1e-6, and SIGTERM drains the request in flight and exits 0", async () => {
    const s = await startServer();
    try {
      expect(s.firstLine).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: "ok" });
      const prompts = ["Question 1: how do I do task 2?", "Question 5: how do I do task 3?"];
      const responses = [" Here is a careful, correct answer.", " no idea"];
      const r = await fetch(`${s.url}/get_reward`, { method: "POST", body: JSON.stringify({ query: prompts.map((p, i) => p + responses[i]), prompts }) });
      const got = (await r.json()) as { rewards: number[]; scores: number[] };
      const want = await scorer.score(prompts.map((prompt, i) => ({ prompt, response: responses[i]!.trimStart() })));
      got.rewards.forEach((x, i) => {
        expect(Math.abs(x - want[i]!.reward)).toBeLessThan(1e-6);
      });
      got.scores.forEach((x, i) => {
        expect(Math.abs(x - want[i]!.score)).toBeLessThan(1e-6);
      });
      // the same pairs through `implicitrm score`: the same rewards and scores, to 1e-6
      writeFileSync(join(work, "to-score.jsonl"), prompts.map((prompt, i) => JSON.stringify({ prompt, response: responses[i]!.trimStart() })).join("\n"));
      const sc = spawnSync(process.execPath, [bin, "score", "--model", modelDir, "--data", join(work, "to-score.jsonl"), "--out", join(work, "scored.jsonl"), "--backend", "cpu", "--quiet"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(sc.status, sc.stderr).toBe(0);
      const lines = readFileSync(join(work, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reward: number; score: number });
      lines.forEach((l, i) => {
        expect(Math.abs(l.reward - got.rewards[i]!)).toBeLessThan(1e-6);
        expect(Math.abs(l.score - got.scores[i]!)).toBeLessThan(1e-6);
      });
      const info = (await (await fetch(`${s.url}/info`)).json()) as { encoder: { id: string } };
      expect(info.encoder.id).toBe("hashing-256");

      // a request half sent when SIGTERM arrives is still answered; then the process exits 0
      const port = Number(new URL(s.url).port);
      const body = JSON.stringify({ query: ["in flight at SIGTERM"] });
      const sock = connect(port, "127.0.0.1");
      await new Promise<void>((res) => sock.once("connect", () => res()));
      let reply = "";
      sock.on("data", (d) => {
        reply += d.toString();
      });
      const sockClosed = new Promise<void>((res) => sock.once("close", () => res()));
      sock.write(`POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 7)}`);
      await new Promise((res) => setTimeout(res, 100));
      s.child.kill("SIGTERM");
      await new Promise((res) => setTimeout(res, 300));
      await expect(fetch(`${s.url}/health`)).rejects.toThrow(); // no new connections while draining
      sock.write(body.slice(7));
      expect(await s.exit).toBe(0);
      await sockClosed;
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
      const [w] = await scorer.score([{ response: "in flight at SIGTERM" }]);
      const answered = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as { rewards: number[] };
      expect(Math.abs(answered.rewards[0]! - w!.reward)).toBeLessThan(1e-6);
      expect(s.stderr()).toMatch(/SIGTERM: no new connections; draining/);
    } finally {
      s.child.kill("SIGKILL");
    }
  });

  it("refuses bad flags and a missing model with exit 2 and a message", () => {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, "serve", ...args], { encoding: "utf8", timeout: 60_000 });
    const noModel = run([]);
    expect(noModel.status).toBe(2);
    expect(noModel.stderr).toMatch(/--model <dir> is required/);
    const badPort = run(["--model", modelDir, "--port", "99999"]);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be an integer in \[0, 65535\]/);
    const missing = run(["--model", join(work, "nope")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/record\.json/);
    expect(noModel.stdout + badPort.stdout + missing.stdout).toBe("");
  });

  it("a real client in another language: Debian's Python (urllib) sends OpenRLHF- and verl-shaped requests and runs the verl compute_score file", async (ctx) => {
    if (!existsSync(PYTHON)) {
      console.log(`skipped: ${PYTHON} (Debian's Python) is not installed, so the Python client test cannot run`);
      ctx.skip();
    }
    const s = await startServer();
    try {
      const script = `
import importlib.util, json, sys, urllib.request
url = sys.argv[1]
def post(path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())
out = {}
# OpenRLHF: remote_rm_fn posts {"query", "prompts", "labels"} and reads rewards / scores / extra_logs
prompts = ["Question 1: how do I do task 2?", "Question 9: how do I do task 4?"]
responses = [" Here is a careful, correct answer.", " no idea"]
status, r = post("/get_reward", {"query": [p + a for p, a in zip(prompts, responses)], "prompts": prompts, "labels": [None, None]})
out["openrlhf"] = {"status": status, "rewards": r["rewards"], "scores": r["scores"], "extra_logs": r["extra_logs"]}
# verl's discriminative reward loop: vLLM-style /classify
status, r = post("/classify", {"model": "rm", "input": ["Question 1: how do I do task 2?\\n\\nHere is a careful, correct answer."]})
out["classify"] = {"status": status, "probs": r["data"][0]["probs"], "index": r["data"][0]["index"]}
# a bad request is a JSON error naming the field
try:
    post("/get_reward", {"query": ["ok", 3]})
except urllib.error.HTTPError as e:
    out["bad"] = {"status": e.code, "error": json.loads(e.read())["error"]}
# verl's custom reward function file
spec = importlib.util.spec_from_file_location("verl_reward", sys.argv[2])
verl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verl)
out["verl_one"] = verl.compute_score("uf", " Here is a careful, correct answer.", None, {"prompt": "Question 1: how do I do task 2?"})
out["verl_batch"] = verl.compute_score_batch(["uf", "uf"], [" no idea", "a bare response"], [None, None], [{"question": "Question 9: how do I do task 4?"}, None])
print(json.dumps(out))
`;
      const py = spawnSync(PYTHON, ["-c", script, s.url, verlFile], { encoding: "utf8", timeout: 60_000, env: { ...process.env, IMPLICITRM_REWARD_URL: s.url, PYTHONDONTWRITEBYTECODE: "1" } });
      expect(py.status, py.stderr).toBe(0);
      const out = JSON.parse(py.stdout);
      const want = await scorer.score([
        { prompt: "Question 1: how do I do task 2?", response: "Here is a careful, correct answer." },
        { prompt: "Question 9: how do I do task 4?", response: "no idea" },
        { response: "Question 1: how do I do task 2?\n\nHere is a careful, correct answer." },
        { response: "a bare response" },
      ]);
      expect(out.openrlhf.status).toBe(200);
      expect(out.openrlhf.extra_logs).toEqual({});
      out.openrlhf.rewards.forEach((x: number, i: number) => {
        expect(Math.abs(x - want[i]!.reward)).toBeLessThan(1e-6);
      });
      out.openrlhf.scores.forEach((x: number, i: number) => {
        expect(Math.abs(x - want[i]!.score)).toBeLessThan(1e-6);
      });
      expect(out.classify.status).toBe(200);
      expect(out.classify.index).toBe(0);
      expect(Math.abs(out.classify.probs[1] - want[2]!.score)).toBeLessThan(1e-6);
      expect(Math.abs(out.classify.probs[0] - (1 - want[2]!.score))).toBeLessThan(1e-6);
      expect(out.bad).toEqual({ status: 422, error: { code: "E_INVALID_FIELD", field: "query[1]", message: expect.any(String) } });
      expect(Math.abs(out.verl_one - want[0]!.reward)).toBeLessThan(1e-6);
      expect(Math.abs(out.verl_batch[0] - want[1]!.reward)).toBeLessThan(1e-6);
      expect(Math.abs(out.verl_batch[1] - want[3]!.reward)).toBeLessThan(1e-6);
    } finally {
      s.child.kill("SIGTERM");
      expect(await s.exit).toBe(0);
    }
  });
});
