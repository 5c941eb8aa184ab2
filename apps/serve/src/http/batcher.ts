/**
 * Micro-batching: requests that arrive together are scored together. Each request's rows join a
 * queue; batches run one at a time, each taking up to `maxBatchRows` rows. With `maxWaitMs` 0 a
 * batch starts on the next turn of the event loop with the rows already read, and rows that arrive
 * while it runs make the next one; with `maxWaitMs` > 0 an idle batcher holds a smaller batch
 * until it has `maxBatchRows` rows or its oldest row has waited that long (the encoder and the head are CPU work
 * on this thread, so running two at once would only interleave them). The queue is bounded in
 * rows: a request that would overflow it is refused at once (the server answers 503 with
 * Retry-After) instead of waiting without limit.
 */
import { HttpError } from "./errors.js";

/** Options of {@link MicroBatcher}. */
export interface MicroBatcherOptions {
  /** Rows per batch at most (a request larger than this is run alone, in one batch). */
  maxBatchRows: number;
  /** How long the first queued row waits for others before its batch runs, in milliseconds. */
  maxWaitMs: number;
  /** Rows queued (not yet running) at most; more is refused with an E_OVERLOADED HttpError. */
  maxQueueRows: number;
  /** Seconds the 503's Retry-After header asks a refused client to wait. */
  retryAfterSeconds: number;
}

interface Job<I, O> {
  items: readonly I[];
  resolve: (out: O[]) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
}

/**
 * Queues rows from many requests and runs them in batches through `run` (which returns one output
 * per input, in order). A job whose `signal` aborts before its batch starts is dropped from the
 * queue (its client went away); one aborted while running just has its result discarded.
 */
export class MicroBatcher<I, O> {
  private queue: Job<I, O>[] = [];
  private queuedRows = 0;
  private runningRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  /** Rows queued plus rows in the batch now running. */
  get depth(): number {
    return this.queuedRows + this.runningRows;
  }

  /**
   * Queues `items` and resolves to their outputs, in order. Rejects with an E_OVERLOADED HttpError
   * (503, Retry-After) when the queue has no room for them, with the signal's reason when `signal`
   * aborts before the batch starts, and with whatever `run` throws for their batch.
   */
  submit(items: readonly I[], signal?: AbortSignal): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.queuedRows > 0 && this.queuedRows + items.length > this.options.maxQueueRows) {
      return Promise.reject(
        new HttpError("E_OVERLOADED", `the server is busy (${this.queuedRows} rows queued); retry after ${this.options.retryAfterSeconds} s`, {
          headers: { "Retry-After": String(this.options.retryAfterSeconds) },
        }),
      );
    }
    return new Promise<O[]>((resolve, reject) => {
      const job: Job<I, O> = { items, resolve, reject, signal };
      this.queue.push(job);
      this.queuedRows += items.length;
      signal?.addEventListener("abort", () => this.drop(job), { once: true });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running (at once when idle). */
  idle(): Promise<void> {
    if (this.depth === 0 && !this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private drop(job: Job<I, O>): void {
    const i = this.queue.indexOf(job);
    if (i < 0) return; // already running or done
    this.queue.splice(i, 1);
    this.queuedRows -= job.items.length;
    job.reject(job.signal?.reason ?? new Error("aborted"));
    this.settleIdle();
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queuedRows >= this.options.maxBatchRows || this.options.maxWaitMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      // setImmediate, not a direct call: requests whose bytes are already read join this batch.
      setImmediate(() => void this.flush());
      this.running = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (!this.running) {
        this.running = true;
        void this.flush();
      }
    }, this.options.maxWaitMs);
  }

  private async flush(): Promise<void> {
    const batch: Job<I, O>[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && rows + next.items.length > this.options.maxBatchRows) break;
      this.queue.shift();
      batch.push(next);
      rows += next.items.length;
    }
    this.queuedRows -= rows;
    this.runningRows = rows;
    if (batch.length > 0) {
      const items: I[] = [];
      for (const j of batch) for (const it of j.items) items.push(it);
      try {
        const out = await this.run(items);
        let at = 0;
        for (const j of batch) {
          j.resolve(out.slice(at, at + j.items.length));
          at += j.items.length;
        }
      } catch (e) {
        // One bad row fails its batch; run each request of the batch alone so the others still get
        // their answers and only the request at fault sees the error.
        if (batch.length === 1) batch[0]!.reject(e);
        else for (const j of batch) await this.run([...j.items]).then(j.resolve, j.reject);
      }
    }
    this.runningRows = 0;
    this.running = false;
    if (this.queue.length > 0) this.schedule();
    else this.settleIdle();
  }

  private settleIdle(): void {
    if (this.depth > 0 || this.running) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
