/**
 * The reward server's typed errors: each carries the HTTP status it answers with, a stable code
 * and, when a request field is at fault, the field's path (`query[3]`, `input`), and renders as
 * the JSON body `{"error": {"code", "message", "field"}}`.
 */
import { ImplicitRMError } from "@implicitrm/core/errors";

/** Stable codes of {@link HttpError}, one per way a request can fail. */
export type HttpErrorCode =
  | "E_BAD_JSON"
  | "E_BODY_TOO_LARGE"
  | "E_INVALID_FIELD"
  | "E_NOT_FOUND"
  | "E_METHOD_NOT_ALLOWED"
  | "E_OVERLOADED"
  | "E_SHUTTING_DOWN"
  | "E_INTERNAL";

const STATUS: Record<HttpErrorCode, number> = {
  E_BAD_JSON: 400,
  E_BODY_TOO_LARGE: 413,
  E_INVALID_FIELD: 422,
  E_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_OVERLOADED: 503,
  E_SHUTTING_DOWN: 503,
  E_INTERNAL: 500,
};

/**
 * A request the server refuses (or could not serve): `status` is the HTTP status, `field` the
 * request field at fault when there is one, `headers` extra response headers (Retry-After, Allow).
 */
export class HttpError extends ImplicitRMError {
  readonly status: number;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: HttpErrorCode, message: string, options: { field?: string; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = STATUS[code];
    this.field = options.field;
    this.headers = options.headers ?? {};
  }

  /** The JSON body the server sends: `{"error": {"code", "message", "field"}}` (`field` null when none). */
  toJSON(): { error: { code: string; message: string; field: string | null } } {
    return { error: { code: this.code, message: this.message, field: this.field ?? null } };
  }
}

/** A 422 naming `field`: the value is there but has the wrong type or is out of range. */
export function invalidField(field: string, message: string): HttpError {
  return new HttpError("E_INVALID_FIELD", `${field}: ${message}`, { field });
}
