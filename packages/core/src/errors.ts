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
