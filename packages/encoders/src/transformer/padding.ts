/** The input side of a forward pass: token id rows, right-padded into int64 tensors. */
import { DataError } from "@implicitrm/core/errors";

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Right-pads `batch` (token id rows) with `padId` to its longest row: `input_ids` and
 * `attention_mask` as int64 data [B, S], and how many real tokens there are.
 */
export function padBatch(
  batch: readonly (readonly number[])[],
  padId: number,
): { B: number; S: number; inputIds: BigInt64Array; mask: BigInt64Array; tokens: number } {
  let tokens = 0;
  const B = batch.length;
  let S = 0;
  for (const r of batch) if (r.length > S) S = r.length;
  const inputIds = new BigInt64Array(B * S);
  const mask = new BigInt64Array(B * S);
  // Token ids are small non-negative integers: write the low 32-bit word of each int64 (the high
  // word stays 0) instead of allocating a BigInt per token. Little-endian, as on every platform
  // onnxruntime ships for.
  const ids32 = new Int32Array(inputIds.buffer);
  const mask32 = new Int32Array(mask.buffer);
  const pad = padId;
  for (let b = 0; b < B; b++) {
    const r = batch[b]!;
    const row = b * S;
    for (let s = 0; s < r.length; s++) {
      const id = r[s]!;
      if (!(id >= 0 && id <= 0x7fffffff)) throw new DataError(`token id ${id} is not a non-negative int32`, { row: b });
      if (LITTLE_ENDIAN) {
        ids32[2 * (row + s)] = id;
        mask32[2 * (row + s)] = 1;
      } else {
        inputIds[row + s] = BigInt(id);
        mask[row + s] = 1n;
      }
    }
    for (let s = r.length; s < S; s++) {
      if (LITTLE_ENDIAN) ids32[2 * (row + s)] = pad;
      else inputIds[row + s] = BigInt(pad);
    }
    tokens += r.length;
  }
  return { B, S, inputIds, mask, tokens };
}
