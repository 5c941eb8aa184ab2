/**
 * Malformed-row reporting shared by every reader and adapter: a row problem becomes a DataError with
 * file, line (or record index) and field, or is dropped and counted by cause. Pure TypeScript.
 */
import { ConfigError, type DataLocation, DataError } from "@implicitrm/core/errors";
import type { BadRowPolicy, SkipCause, SkipCounts } from "./types.js";

/** A problem with one row, thrown inside a row handler and turned into a DataError or a skip count. */
export class RowProblem {
  constructor(
    readonly cause: SkipCause,
    readonly message: string,
    readonly field?: string,
  ) {}
}

/** Where a row sits in its input: file, 1-based line for line-oriented text, 0-based record index otherwise. */
export interface RowLocation {
  file: string;
  line?: number;
  row?: number;
}

/** Collects bad rows under one policy. `report` throws with 'fail' and counts with 'skip'. */
export class BadRows {
  readonly skipped: SkipCounts = {};
  readonly policy: BadRowPolicy;

  constructor(policy: BadRowPolicy | undefined) {
    const p = policy ?? "fail";
    if (p !== "fail" && p !== "skip") {
      throw new ConfigError(`onBadRow must be "fail" or "skip" (got ${JSON.stringify(policy)})`);
    }
    this.policy = p;
  }

  /** Reports a problem at `loc`: throws a DataError (policy 'fail') or counts its cause (policy 'skip'). */
  report(problem: RowProblem, loc: RowLocation): void {
    if (this.policy === "fail") {
      const where: DataLocation = { file: loc.file };
      if (loc.line !== undefined) where.line = loc.line;
      else if (loc.row !== undefined) where.row = loc.row;
      if (problem.field !== undefined) where.field = problem.field;
      const hint = HINTS[problem.cause];
      throw new DataError(`${problem.message} [${problem.cause}]${hint ? `; ${hint}` : ""}`, where);
    }
    this.skipped[problem.cause] = (this.skipped[problem.cause] ?? 0) + 1;
  }

  /** Runs `fn`; a RowProblem it throws is reported at `loc` (and `fn`'s result is undefined then). */
  run<T>(loc: RowLocation, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      this.report(e, loc);
      return undefined;
    }
  }
}

const HINTS: Partial<Record<SkipCause, string>> = {
  badJson: "fix the line or pass onBadRow 'skip' (--on-bad-row skip) to drop it",
  badCsv: "fix the record or pass onBadRow 'skip' (--on-bad-row skip) to drop it",
  badUtf8: "re-encode the file as UTF-8 or pass onBadRow 'skip' to drop the line",
  outOfRange: "check the rating field and scale, or pass onBadRow 'skip' to drop such rows",
  duplicateId: "ids must be unique; pass onBadRow 'skip' to keep the first row with each id",
  conflict: "a negative and a positive action on one impression; pass onBadRow 'skip' to drop such rows",
};

/** Total number of skipped rows. */
export function countSkipped(skipped: SkipCounts): number {
  let n = 0;
  for (const v of Object.values(skipped)) n += v ?? 0;
  return n;
}

/**
 * One line for a CLI: `"skipped 3 bad rows: badJson 1, outOfRange 2"`, causes in a fixed order, or
 * `""` when nothing was skipped.
 */
export function formatSkipCounts(skipped: SkipCounts): string {
  const n = countSkipped(skipped);
  if (n === 0) return "";
  const parts = CAUSE_ORDER.filter((c) => (skipped[c] ?? 0) > 0).map((c) => `${c} ${skipped[c]}`);
  return `skipped ${n} bad row${n === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** Merges skip counts into `into` (mutates and returns it). */
export function mergeSkipCounts(into: SkipCounts, from: SkipCounts): SkipCounts {
  for (const [k, v] of Object.entries(from) as [SkipCause, number][]) into[k] = (into[k] ?? 0) + v;
  return into;
}

const CAUSE_ORDER: SkipCause[] = [
  "badUtf8",
  "badJson",
  "badCsv",
  "missingField",
  "wrongType",
  "badRating",
  "outOfRange",
  "emptyResponse",
  "duplicateId",
  "conflict",
];
