/**
 * A synchronous bridge to onnxruntime-node. onnxruntime's `run` is asynchronous, but a tfjs kernel
 * (and so a head's forward and backward inside `tf.variableGrads`) must return synchronously. The
 * bridge therefore runs onnxruntime in a worker thread: the main thread posts a request, blocks in
 * `Atomics.wait` on a shared flag, then takes the answer with `receiveMessageOnPort`. One request
 * costs a few tens of microseconds on top of onnxruntime's own time. Node only.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { BridgeReply, BridgeRequest } from "./protocol.js";

/**
 * The worker script: `worker.js` next to this module in the built package. When this module runs
 * from its TypeScript source (the package's own tests), the built copy in `dist/` is used.
 */
async function workerUrl(): Promise<URL> {
  const here = new URL("./worker.js", import.meta.url);
  const { existsSync } = await import("node:fs");
  if (existsSync(here)) return here;
  const built = new URL("../../dist/onnxruntime/worker.js", import.meta.url);
  if (existsSync(built)) return built;
  throw new Error(`the onnxruntime worker script is missing (looked for ${here.pathname} and ${built.pathname}); build the package first`);
}

/** How long one synchronous call may block before the bridge gives up (ms). */
const CALL_TIMEOUT_MS = 120_000;

export class OrtBridge {
  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
    /** onnxruntime's version, as the worker reported it. */
    readonly version: string,
    private readonly threadCount: number,
  ) {}

  /** Sequence number of the last request. */
  private seq = 0;

  /**
   * Starts the worker and loads onnxruntime-node in it.
   * @param threads onnxruntime's intra-op threads (default: 1)
   * @throws Error with onnxruntime's own message when it cannot be imported
   */
  static async start(threads = 1): Promise<OrtBridge> {
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(await workerUrl(), {
      workerData: { port: port2, flag, threads },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`the onnxruntime worker exited with code ${code}`)));
      });
      const reply = await new Promise<BridgeReply>((resolve) => {
        port1.once("message", resolve);
        port1.postMessage({ op: "init", seq: 0 } satisfies BridgeRequest & { seq: number });
      });
      if (!reply.ok) throw new Error(reply.error);
      worker.removeAllListeners("exit");
      worker.removeAllListeners("error");
      worker.on("error", () => {});
      return new OrtBridge(worker, port1, flag, "version" in reply ? reply.version : "unknown", threads);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /** Sends `req` and blocks until the worker answers; throws the worker's error. */
  call(req: BridgeRequest, transfer: ArrayBuffer[] = []): BridgeReply {
    // Each request has a sequence number; the worker stores it in the shared flag after posting
    // the answer, so a late signal of an earlier request can never be taken for this one's.
    const seq = (this.seq = (this.seq % 0x3fffffff) + 1);
    this.port.postMessage({ ...req, seq }, transfer);
    const deadline = performance.now() + CALL_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      if (seen === seq) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`the onnxruntime worker did not answer within ${CALL_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.flag, 0, seen, left);
    }
    const msg = receiveMessageOnPort(this.port);
    if (!msg) throw new Error("internal: the onnxruntime worker raised its flag without an answer");
    const reply = msg.message as BridgeReply;
    if (!reply.ok) throw new Error(`onnxruntime: ${reply.error}`);
    return reply;
  }

  /** onnxruntime's intra-op threads in the worker. */
  get threads(): number {
    return this.threadCount;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
