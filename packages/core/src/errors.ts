/**
 * Typed errors. Every error says what was wrong, where (file, line, field when known) and what to do,
 * and carries a stable `code` that programs can switch on.
 */
export class ImplicitRMError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration or option value is invalid (unknown key, out-of-range number, wrong type). */
export class ConfigError extends ImplicitRMError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_CONFIG", message, options);
  }
}

/** Input data is invalid; `location` names the file, line and field where known. */
export class DataError extends ImplicitRMError {
  readonly location: DataLocation | undefined;
  constructor(message: string, location?: DataLocation, options?: { cause?: unknown }) {
    super("E_DATA", location ? `${formatLocation(location)}: ${message}` : message, options);
    this.location = location;
  }
}

/** Training could not continue (non-finite loss, unusable data). */
export class TrainingError extends ImplicitRMError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_TRAINING", message, options);
  }
}

/**
 * Training stopped because a loss or a gradient stopped being finite. Raised before the step's
 * update, so the weights are those of the previous step; `lastCheckpoint` names the last state
 * written (when the caller writes checkpoints), from which the run can be resumed with other settings.
 */
export class DivergenceError extends TrainingError {
  readonly step: number;
  readonly epoch: number;
  readonly batch: number;
  readonly lastCheckpoint: string | undefined;
  constructor(message: string, where: { step: number; epoch: number; batch: number; lastCheckpoint?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.step = where.step;
    this.epoch = where.epoch;
    this.batch = where.batch;
    this.lastCheckpoint = where.lastCheckpoint;
  }
}

/**
 * An optional package that a feature needs is not installed (`installed: false`), or is installed
 * but failed to load (`installed: true`, the cause kept). The message names the package and the
 * install command. Backends' `'auto'` passes over a backend whose package is not installed.
 */
export class MissingDependencyError extends ImplicitRMError {
  /** The npm package that is missing or broken. */
  readonly packageName: string;
  /** False when the package is not installed at all; true when it is but did not load. */
  readonly installed: boolean;
  constructor(packageName: string, message: string, options?: { cause?: unknown; installed?: boolean }) {
    super("E_MISSING_DEPENDENCY", message, options);
    this.packageName = packageName;
    this.installed = options?.installed ?? false;
  }
}

/**
 * A file-system operation failed (no space, read-only, permission, a path that is not a
 * directory). The message names the path and the operation; `errno` is Node's code (ENOSPC, ...).
 */
export class FileError extends ImplicitRMError {
  readonly path: string;
  readonly errno: string | undefined;
  constructor(message: string, path: string, errno?: string, options?: { cause?: unknown }) {
    super("E_FILE", message, options);
    this.path = path;
    this.errno = errno;
  }
}

export interface DataLocation {
  file?: string;
  line?: number;
  field?: string;
  row?: number;
}

/** Formats a location as `file:line field "x"` (parts that are unknown are left out). */
export function formatLocation(loc: DataLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.field !== undefined) parts.push(`field "${loc.field}"`);
  return parts.join(" ");
}
