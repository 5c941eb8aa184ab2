/**
 * The reward server's metrics in the Prometheus text exposition format (version 0.0.4): requests
 * by route and status, a request-latency histogram by route, a histogram of micro-batch sizes, the
 * queue depth, and the time spent encoding and in the reward head. Hand-written (a counter map and
 * fixed-bucket histograms) because that is all the server needs; no dependency, no global registry.
 */

/** Upper bounds (seconds) of the request-latency histogram's buckets. */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Upper bounds (rows) of the batch-size histogram's buckets. */
export const BATCH_BUCKETS_ROWS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] as const;

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }
  render(name: string, labels: string, out: string[]): void {
    const sep = labels ? `${labels},` : "";
    for (let i = 0; i < this.bounds.length; i++) out.push(`${name}_bucket{${sep}le="${this.bounds[i]}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    out.push(`${name}_sum${labels ? `{${labels}}` : ""} ${this.sum}`);
    out.push(`${name}_count${labels ? `{${labels}}` : ""} ${this.count}`);
  }
}

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The server's counters, histograms and gauges. Routes are the server's own fixed names (an
 * unknown path counts as `other`), so the number of series is bounded whatever clients send.
 */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly batches = new Map<string, Histogram>();
  private readonly rows = new Map<string, number>();
  private encodeSeconds = 0;
  private headSeconds = 0;
  /** Rows waiting in the micro-batch queues plus rows being scored, read at each scrape. */
  queueDepth: () => number = () => 0;
  /** Requests being handled (read, queued or scored), read at each scrape. */
  inFlight: () => number = () => 0;

  /** Counts one answered request and its latency (seconds from the first byte read to the response sent). */
  observeRequest(route: string, status: number, seconds: number): void {
    const key = `${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY_BUCKETS_S)));
    h.observe(seconds);
  }

  /** Counts one micro-batch of `rows` rows of `kind` (`score` or `embed`) and where its time went. */
  observeBatch(kind: string, rows: number, encodeSeconds: number, headSeconds: number): void {
    let h = this.batches.get(kind);
    if (!h) this.batches.set(kind, (h = new Histogram(BATCH_BUCKETS_ROWS)));
    h.observe(rows);
    this.rows.set(kind, (this.rows.get(kind) ?? 0) + rows);
    this.encodeSeconds += encodeSeconds;
    this.headSeconds += headSeconds;
  }

  /** The metrics as Prometheus text (serve with `Content-Type: text/plain; version=0.0.4`). */
  render(): string {
    const out: string[] = [];
    out.push("# HELP implicitrm_http_requests_total HTTP requests answered, by route and status.");
    out.push("# TYPE implicitrm_http_requests_total counter");
    for (const [key, n] of this.requests) {
      const [route, status] = key.split("\u0000");
      out.push(`implicitrm_http_requests_total{route="${label(route!)}",status="${status}"} ${n}`);
    }
    out.push("# HELP implicitrm_http_request_duration_seconds Time from a request's arrival to its response, by route.");
    out.push("# TYPE implicitrm_http_request_duration_seconds histogram");
    for (const [route, h] of this.latency) h.render("implicitrm_http_request_duration_seconds", `route="${label(route)}"`, out);
    out.push("# HELP implicitrm_batch_rows Rows per micro-batch sent to the encoder and the reward head, by kind.");
    out.push("# TYPE implicitrm_batch_rows histogram");
    for (const [kind, h] of this.batches) h.render("implicitrm_batch_rows", `kind="${label(kind)}"`, out);
    out.push("# HELP implicitrm_rows_total Rows scored or embedded, by kind.");
    out.push("# TYPE implicitrm_rows_total counter");
    for (const [kind, n] of this.rows) out.push(`implicitrm_rows_total{kind="${label(kind)}"} ${n}`);
    out.push("# HELP implicitrm_encode_seconds_total Time spent in the encoder.");
    out.push("# TYPE implicitrm_encode_seconds_total counter");
    out.push(`implicitrm_encode_seconds_total ${this.encodeSeconds}`);
    out.push("# HELP implicitrm_head_seconds_total Time spent in the reward head's forward pass.");
    out.push("# TYPE implicitrm_head_seconds_total counter");
    out.push(`implicitrm_head_seconds_total ${this.headSeconds}`);
    out.push("# HELP implicitrm_queue_rows Rows queued for a micro-batch or being scored.");
    out.push("# TYPE implicitrm_queue_rows gauge");
    out.push(`implicitrm_queue_rows ${this.queueDepth()}`);
    out.push("# HELP implicitrm_http_requests_in_flight Requests being read, queued or scored.");
    out.push("# TYPE implicitrm_http_requests_in_flight gauge");
    out.push(`implicitrm_http_requests_in_flight ${this.inFlight()}`);
    out.push("# HELP implicitrm_process_resident_memory_bytes Resident set size of the server process.");
    out.push("# TYPE implicitrm_process_resident_memory_bytes gauge");
    out.push(`implicitrm_process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    return `${out.join("\n")}\n`;
  }
}
