/**
 * Presentation and user context: what drives a user's action but not a response's quality
 * (METHOD §2, "Identifiability"; §4, propensities beyond the grade). Three pieces:
 * - {@link simulatePresentation}: the display position and the user's activity factor of every row,
 *   drawn from a seed where the data have none (rated datasets, the synthetic default);
 * - {@link presentationPropensity}: the presentation part of the simulator's propensity, a
 *   hand-checkable function of response length, position and user activity;
 * - {@link presentationActivityBlock} and {@link contextActivityBlock}: the activity feature block
 *   (`FeatureSet.activity`) the activity head reads, from simulated context or from a log's `context`.
 * Pure TypeScript, no I/O.
 */
import type { ActivityBlock } from "@implicitrm/core/types";
import { ConfigError } from "@implicitrm/core/errors";
import { Rng, deriveSeed } from "@implicitrm/core/random";

/** Observable, quality-free context of each row (one entry per row). */
export interface PresentationContext {
  /** Response length in characters (≥ 0). Always available: it is read from the response. */
  length: ArrayLike<number>;
  /** 0-based display position of the response among those shown for its prompt (0 = first). */
  position: ArrayLike<number>;
  /** The showing user's activity factor in (0, 1]: how readily this user acts at all. */
  userActivity: ArrayLike<number>;
}

/** Options of {@link simulatePresentation}. */
export interface SimulatePresentationOptions {
  /** Prompt group per row (responses to one prompt are shown together, to one user). Default: every row its own group. */
  group?: ArrayLike<number>;
  /** Prompt groups (sessions) per simulated user, on average. Default 5. */
  sessionsPerUser?: number;
  /** Range of the per-user activity factor, drawn uniformly. Default [0.1, 1]. */
  userActivityRange?: [number, number];
  /** Seed (uint32). Default 42. */
  seed?: number;
}

/** Simulated display positions and users. */
export interface SimulatedPresentation {
  /** 0-based position within the row's group: a seeded random order of the group's rows. */
  position: Int32Array;
  /** Simulated user index of each row (every row of a group has the group's user). */
  user: Int32Array;
  /** The user's activity factor, per row. */
  userActivity: Float32Array;
  /** Number of simulated users. */
  users: number;
}

/**
 * Draws where each response was shown and to whom, independently of its content and grade: each
 * prompt group is one session of one user, its rows in a seeded random display order (position 0..m−1);
 * round(groups / sessionsPerUser) users (at least 1, default 5 sessions each), each group's user drawn
 * uniformly; every user's activity factor drawn uniformly from `userActivityRange` (default [0.1, 1]).
 * Deterministic for a seed.
 */
export function simulatePresentation(n: number, opts: SimulatePresentationOptions = {}): SimulatedPresentation {
  const sessions = opts.sessionsPerUser ?? 5;
  const [lo, hi] = opts.userActivityRange ?? [0.1, 1];
  if (!(sessions > 0)) throw new ConfigError(`simulatePresentation: sessionsPerUser must be > 0 (got ${sessions})`);
  if (!(lo > 0 && hi <= 1 && lo <= hi)) throw new ConfigError(`simulatePresentation: userActivityRange must satisfy 0 < lo ≤ hi ≤ 1 (got ${lo}..${hi})`);
  const seed = opts.seed ?? 42;
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = opts.group ? opts.group[i]! : i;
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  }
  const users = Math.max(1, Math.round(members.size / sessions));
  const rngU = new Rng(deriveSeed(seed, "presentation-users"));
  const activity = new Float32Array(users);
  for (let u = 0; u < users; u++) activity[u] = lo + (hi - lo) * rngU.next();
  const rngP = new Rng(deriveSeed(seed, "presentation-positions"));
  const position = new Int32Array(n);
  const user = new Int32Array(n);
  const userActivity = new Float32Array(n);
  for (const rows of members.values()) {
    const order = rngP.shuffle(Int32Array.from(rows));
    const u = rngU.int(users);
    order.forEach((row, pos) => {
      position[row] = pos;
      user[row] = u;
      userActivity[row] = activity[u]!;
    });
  }
  return { position, user, userActivity, users };
}

/** Parameters of {@link presentationPropensity}. */
export interface PresentationModel {
  /** ρ ∈ (0, 1]: each position further down multiplies the propensity by ρ. Default 0.7. */
  positionDecay?: number;
  /** L½ > 0: the length (characters) at which the length factor is 1/2. Default: the median length (1 when it is 0). */
  lengthHalf?: number;
}

/**
 * The presentation part of the propensity (before the simulator's scaling):
 * p = u · ρ^position · L / (L + L½), with u the user's activity factor, ρ the position decay (0.7)
 * and L½ the median response length. Worked example: u = 0.5, position 1, L = L½ gives
 * 0.5 · 0.7 · 0.5 = 0.175. In [0, 1]; 0 only for an empty response. Returns the values and the L½ used.
 */
export function presentationPropensity(ctx: PresentationContext, model: PresentationModel = {}): { values: Float64Array; lengthHalf: number; positionDecay: number } {
  const n = ctx.length.length;
  if (ctx.position.length !== n || ctx.userActivity.length !== n) {
    throw new ConfigError(`presentation context: length, position and userActivity must have one value per row (got ${n}, ${ctx.position.length}, ${ctx.userActivity.length})`);
  }
  const rho = model.positionDecay ?? 0.7;
  if (!(rho > 0 && rho <= 1)) throw new ConfigError(`presentation model: positionDecay must be in (0, 1] (got ${rho})`);
  const half = model.lengthHalf ?? (median(ctx.length) || 1);
  if (!(half > 0 && Number.isFinite(half))) throw new ConfigError(`presentation model: lengthHalf must be > 0 (got ${half})`);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const L = ctx.length[i]!;
    const pos = ctx.position[i]!;
    const u = ctx.userActivity[i]!;
    if (!(Number.isFinite(L) && L >= 0)) throw new ConfigError(`presentation context: length at row ${i} must be a number ≥ 0 (got ${L})`);
    if (!(Number.isInteger(pos) && pos >= 0)) throw new ConfigError(`presentation context: position at row ${i} must be an integer ≥ 0 (got ${pos})`);
    if (!(u > 0 && u <= 1)) throw new ConfigError(`presentation context: userActivity at row ${i} must be in (0, 1] (got ${u})`);
    values[i] = u * rho ** pos * (L / (L + half));
  }
  return { values, lengthHalf: half, positionDecay: rho };
}

/** Column names of {@link presentationActivityBlock}. */
export const PRESENTATION_FEATURES = ["responseLength", "position", "userActivity"] as const;

/**
 * The activity block of simulated presentation context: three columns, each standardised to mean 0
 * and std 1 over the rows given (a constant column becomes 0): log(1 + response length in
 * characters), display position, user activity factor.
 */
export function presentationActivityBlock(ctx: PresentationContext): ActivityBlock {
  const n = ctx.length.length;
  const cols = [Float64Array.from(ctx.length, (L) => Math.log1p(L)), Float64Array.from(ctx.position), Float64Array.from(ctx.userActivity)];
  return { dim: cols.length, features: interleave(cols.map(standardise), n), names: [...PRESENTATION_FEATURES] };
}

/** Options of {@link contextActivityBlock}. */
export interface ContextBlockOptions {
  /** Most frequent values kept per string field (one column each); rarer values get all zeros. Default 16. */
  maxCategories?: number;
}

/**
 * The activity block of logged impressions: `responseLength` (log(1 + characters), always present),
 * then every field of the rows' `context` objects in sorted name order. A number field is one
 * column; a boolean one column of 0/1; a string field one 0/1 column per value (`field=value`, the
 * `maxCategories` most frequent values, default 16). Numeric columns are standardised (mean 0, std 1
 * over the rows, a missing value becoming 0, the mean); objects, arrays and nulls are ignored
 * (reported in `ignored`). Gives the same columns for the same rows, whatever their order.
 */
export function contextActivityBlock(
  rows: ReadonlyArray<{ response: string; context?: Record<string, unknown> }>,
  opts: ContextBlockOptions = {},
): ActivityBlock & { ignored: string[] } {
  const n = rows.length;
  const maxCat = opts.maxCategories ?? 16;
  const kinds = new Map<string, "number" | "boolean" | "string" | "other">();
  for (const row of rows) {
    for (const [k, v] of Object.entries(row.context ?? {})) {
      const kind = typeof v === "number" && Number.isFinite(v) ? "number" : typeof v === "boolean" ? "boolean" : typeof v === "string" ? "string" : "other";
      const prev = kinds.get(k);
      kinds.set(k, prev === undefined || prev === kind ? kind : "other");
    }
  }
  const names: string[] = ["responseLength"];
  const cols: Float64Array[] = [standardise(Float64Array.from(rows, (r) => Math.log1p(r.response.length)))];
  const ignored: string[] = [];
  for (const key of [...kinds.keys()].sort()) {
    const kind = kinds.get(key)!;
    if (kind === "other") {
      ignored.push(key);
      continue;
    }
    if (kind === "string") {
      const counts = new Map<string, number>();
      for (const row of rows) {
        const v = row.context?.[key];
        if (typeof v === "string") counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxCat);
      for (const [value] of top) {
        names.push(`${key}=${value}`);
        cols.push(Float64Array.from(rows, (r) => (r.context?.[key] === value ? 1 : 0)));
      }
      continue;
    }
    names.push(key);
    const col = new Float64Array(n).fill(Number.NaN);
    rows.forEach((r, i) => {
      const v = r.context?.[key];
      if (typeof v === "number" && Number.isFinite(v)) col[i] = v;
      else if (typeof v === "boolean") col[i] = v ? 1 : 0;
    });
    cols.push(kind === "boolean" ? col.map((x) => (Number.isNaN(x) ? 0 : x)) : standardise(col));
  }
  return { dim: cols.length, features: interleave(cols, n), names, ignored };
}

/** (x − mean)/std over the finite values; NaN (missing) → 0; a constant column → all 0. */
function standardise(col: Float64Array): Float64Array {
  let s = 0;
  let m = 0;
  for (const x of col) {
    if (!Number.isNaN(x)) {
      s += x;
      m++;
    }
  }
  const mean = m > 0 ? s / m : 0;
  let v = 0;
  for (const x of col) if (!Number.isNaN(x)) v += (x - mean) ** 2;
  const sd = m > 0 ? Math.sqrt(v / m) : 0;
  return col.map((x) => (Number.isNaN(x) || !(sd > 1e-12) ? 0 : (x - mean) / sd));
}

function interleave(cols: Float64Array[], n: number): Float32Array {
  const d = cols.length;
  const out = new Float32Array(n * d);
  for (let j = 0; j < d; j++) {
    const c = cols[j]!;
    for (let i = 0; i < n; i++) out[i * d + j] = c[i]!;
  }
  return out;
}

function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  const m = s.length;
  if (m === 0) return 0;
  return m % 2 === 1 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
}
