/**
 * Text rows ready for an encoder: rated data or an implicit-feedback log, rows with an empty
 * response dropped (nothing to encode), with what their labels are made from (ratings, or the logged
 * feedback and the logged context as activity features). Pure TypeScript, no I/O.
 */
import { ConfigError } from "@implicitrm/core/errors";
import type { ActivityBlock } from "@implicitrm/core/types";
import { formatSkipCounts } from "./bad-rows.js";
import type { ImplicitLog } from "./logs.js";
import { contextActivityBlock } from "./presentation.js";
import type { RatedDataset } from "./types.js";

/** Text rows read for encoding (rows with an empty response dropped), with what their labels are made from. */
export interface TextRows {
  kind: "rated" | "log";
  rows: Array<{ id: string; prompt: string; response: string; promptId: string; context?: Record<string, unknown> }>;
  /** Rated data: the dataset read (adapter, rating field, scale) and each kept row's rating. */
  rated?: RatedDataset;
  ratings?: Float32Array;
  /** Logs: the logged feedback and the activity block (response length and the logged context fields) of each kept row. */
  r?: Uint8Array;
  activity?: ActivityBlock;
  /** Logs: 1 for each kept row with a negative action (thumbs-down), present when at least one row has one. */
  explicitNegative?: Uint8Array;
}

/**
 * The text rows of a parsed rated dataset or implicit-feedback log (`spec` names it in messages),
 * reporting skipped rows, dropped empty responses and context fields that cannot be activity
 * features through `log`. A ConfigError when no row has a response.
 */
export function toTextRows(source: { kind: "rated"; rated: RatedDataset } | { kind: "implicit-log"; log: ImplicitLog }, spec: string, log: (line: string) => void = () => {}): TextRows {
  const kind = source.kind === "implicit-log" ? "log" : "rated";
  let rows: TextRows["rows"];
  let extra: { rated?: RatedDataset; r?: Uint8Array; explicitNegative?: Uint8Array };
  if (source.kind === "implicit-log") {
    const logged = source.log;
    if (Object.keys(logged.skipped).length) log(`${spec}: ${formatSkipCounts(logged.skipped)}`);
    rows = logged.rows;
    extra = { r: Uint8Array.from(logged.rows, (row) => row.r) };
    if (logged.rows.some((row) => row.explicitNegative)) extra.explicitNegative = Uint8Array.from(logged.rows, (row) => (row.explicitNegative ? 1 : 0));
  } else {
    const rated = source.rated;
    if (Object.keys(rated.skipped).length) log(`${spec}: ${formatSkipCounts(rated.skipped)}`);
    rows = rated.rows;
    extra = { rated };
  }
  const keep = rows.map((row) => row.response.trim().length > 0);
  const dropped = keep.filter((k) => !k).length;
  if (dropped > 0) log(`${spec}: dropped ${dropped} row${dropped === 1 ? "" : "s"} with an empty response (nothing to encode)`);
  const kept = rows.filter((_, i) => keep[i]);
  if (kept.length === 0) throw new ConfigError(`${spec}: no rows with a response to train on`);
  let activity: ActivityBlock | undefined;
  if (kind === "log") {
    const block = contextActivityBlock(kept);
    if (block.ignored.length) log(`${spec}: context fields ${block.ignored.join(", ")} are not numbers, booleans or strings: not used as activity features`);
    activity = { dim: block.dim, features: block.features, names: block.names };
  }
  return {
    kind,
    rows: kept,
    ...(activity ? { activity } : {}),
    ...(extra.rated ? { rated: extra.rated, ratings: Float32Array.from(extra.rated.rows.filter((_, i) => keep[i]), (row) => row.rating) } : {}),
    ...(extra.r ? { r: extra.r.filter((_, i) => keep[i]) } : {}),
    ...(extra.explicitNegative ? { explicitNegative: extra.explicitNegative.filter((_, i) => keep[i]) } : {}),
  };
}
