/** Pooling: a forward pass's token vectors [batch, tokens, hidden] become one row per text. */
import { l2normalizeRow } from "../encoder.js";
import type { ResolvedOptions } from "./options.js";

/**
 * Pools each row of `batch` (mean over its real tokens, its first token, or its last real token)
 * into `out` at row `rows[b]` (`dim` floats a row), L2-normalised when `opts.normalize`.
 */
export function poolRows(
  dims: readonly [number, number, number],
  data: Float32Array,
  batch: readonly (readonly number[])[],
  rows: readonly number[],
  out: Float32Array,
  dim: number,
  opts: Pick<ResolvedOptions, "pooling" | "normalize">,
): void {
  const [B, S, H] = dims;
  const acc = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    const len = batch[b]!.length;
    const off = rows[b]! * dim;
    const base = b * S * H;
    if (opts.pooling === "mean") {
      acc.fill(0);
      for (let s = 0; s < len; s++) {
        const p = base + s * H;
        for (let h = 0; h < H; h++) acc[h]! += data[p + h]!;
      }
      for (let h = 0; h < H; h++) out[off + h] = acc[h]! / len;
    } else {
      const p = base + (opts.pooling === "cls" ? 0 : len - 1) * H;
      out.set(data.subarray(p, p + H), off);
    }
    if (opts.normalize) l2normalizeRow(out, off, dim);
  }
}
