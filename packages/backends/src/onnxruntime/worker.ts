/**
 * The onnxruntime-node worker behind {@link OrtBridge}: owns the inference sessions of the heads'
 * forward and backward graphs and answers one request at a time. After posting each answer on its
 * port it raises the shared flag, which the main thread waits on with `Atomics.wait` (that is what
 * makes the bridge synchronous, as a tfjs kernel must be).
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type * as Ort from "onnxruntime-node";
import { backwardModel, forwardModel, layerSizes, type MlpShape } from "./graphs.js";
import { type BridgeReply, type BridgeRequest, FORWARDS_KEPT, ROWS_KEPT } from "./protocol.js";

interface Init {
  port: MessagePort;
  flag: Int32Array;
  threads: number;
}

const { port, flag, threads } = workerData as Init;
let ort: typeof Ort | undefined;
const sessions = new Map<string, Promise<{ fwd: Ort.InferenceSession; bwd: Ort.InferenceSession }>>();
/** The last few batches of input rows, by the main thread's id, so each is sent once per step. */
const rows = new Map<number, Ort.Tensor>();
/** Hidden activations of the last forward passes, by pass id, for their backward pass. */
const passes = new Map<number, Ort.Tensor[]>();

function keyOf(s: MlpShape): string {
  return `${s.inputDim}:${s.hidden.join(",")}:${s.slope}`;
}

async function sessionsFor(s: MlpShape) {
  const key = keyOf(s);
  let p = sessions.get(key);
  if (!p) {
    const o = ort!;
    const opts: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      // Idle intra-op threads sleep instead of spinning: the main thread runs tfjs between calls,
      // and on a shared machine spinning threads take its core.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    };
    p = Promise.all([o.InferenceSession.create(forwardModel(s), opts), o.InferenceSession.create(backwardModel(s), opts)]).then(([fwd, bwd]) => ({ fwd, bwd }));
    sessions.set(key, p);
  }
  return p;
}

function tensor(data: Float32Array, dims: readonly number[]): Ort.Tensor {
  return new ort!.Tensor("float32", data, dims as number[]);
}

async function handle(req: BridgeRequest): Promise<{ reply: BridgeReply; transfer: ArrayBuffer[] }> {
  if (req.op === "init") {
    ort = (await import("onnxruntime-node")) as typeof Ort;
    if (typeof ort.InferenceSession?.create !== "function") ort = (ort as unknown as { default: typeof Ort }).default;
    return { reply: { ok: true, version: ort.env?.versions?.common ?? "unknown" }, transfer: [] };
  }
  const s = req.shape;
  const sizes = layerSizes(s);
  const L = sizes.length - 1;
  const { fwd, bwd } = await sessionsFor(s);
  if (req.x) {
    rows.set(req.xId, tensor(req.x, [req.n, s.inputDim]));
    while (rows.size > ROWS_KEPT) rows.delete(rows.keys().next().value as number);
  }
  const x = rows.get(req.xId);
  if (!x) throw new Error(`internal: rows ${req.xId} were not sent to the onnxruntime worker`);
  if (req.op === "forward") {
    const feeds: Record<string, Ort.Tensor> = { x };
    for (let l = 0; l < L; l++) {
      feeds[`w${l}`] = tensor(req.params[2 * l]!, [sizes[l]!, sizes[l + 1]!]);
      feeds[`b${l}`] = tensor(req.params[2 * l + 1]!, [sizes[l + 1]!]);
    }
    const out = await fwd.run(feeds);
    const acts: Ort.Tensor[] = [];
    for (let l = 1; l < L; l++) acts.push(out[`a${l}`]!);
    passes.set(req.pass, acts);
    while (passes.size > FORWARDS_KEPT) passes.delete(passes.keys().next().value as number);
    const logits = out.logits!.data as Float32Array;
    return { reply: { ok: true, logits }, transfer: [logits.buffer as ArrayBuffer] };
  }
  const acts = passes.get(req.pass);
  if (!acts) throw new Error(`internal: the activations of forward pass ${req.pass} are gone (more than ${FORWARDS_KEPT} forward passes before its backward pass)`);
  passes.delete(req.pass);
  const feeds: Record<string, Ort.Tensor> = { x, dlogits: tensor(req.dlogits, [req.n, 1]) };
  for (let l = 1; l < L; l++) {
    feeds[`a${l}`] = acts[l - 1]!;
    feeds[`w${l}`] = tensor(req.kernels[l - 1]!, [sizes[l]!, sizes[l + 1]!]);
  }
  const out = await bwd.run(feeds);
  const grads: Float32Array[] = [];
  for (let l = 0; l < L; l++) grads.push(out[`gw${l}`]!.data as Float32Array, out[`gb${l}`]!.data as Float32Array);
  return { reply: { ok: true, grads }, transfer: grads.map((g) => g.buffer as ArrayBuffer) };
}

/** Stores the answered request's sequence number and wakes the main thread (0: init, answered asynchronously). */
function signal(seq: number): void {
  if (seq === 0) return;
  Atomics.store(flag, 0, seq);
  Atomics.notify(flag, 0);
}

/** The request being answered: an unexpected error anywhere still answers it (the main thread is blocked on it). */
let current: { seq: number; answered: boolean } | undefined;

function answer(seq: number, reply: BridgeReply, transfer: ArrayBuffer[] = []): void {
  if (current?.seq === seq) current.answered = true;
  try {
    // onnxruntime may hand back views into one shared allocation: transfer each buffer once.
    port.postMessage(reply, [...new Set(transfer)].filter((b) => b.byteLength > 0));
  } catch {
    try {
      port.postMessage(reply); // buffers onnxruntime owns cannot be transferred: copy them
    } catch (err) {
      port.postMessage({ ok: false, error: `cannot send the answer: ${err instanceof Error ? err.message : String(err)}` } satisfies BridgeReply);
    }
  }
  signal(seq);
}

function fail(seq: number, err: unknown): void {
  if (process.env.IMPLICITRM_ORT_DEBUG) process.stderr.write(`[onnxruntime worker] request ${seq}: ${err instanceof Error ? err.stack : String(err)}\n`);
  answer(seq, { ok: false, error: err instanceof Error ? err.message : String(err) });
}

for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (err: unknown) => {
    if (current && !current.answered) fail(current.seq, err);
  });
}

port.on("message", (req: BridgeRequest & { seq: number }) => {
  current = { seq: req.seq, answered: false };
  handle(req).then(
    ({ reply, transfer }) => answer(req.seq, reply, transfer),
    (err: unknown) => fail(req.seq, err),
  );
});
parentPort?.postMessage("started");
