/** The backend's one error envelope, as a thrown Error. */
import { fieldErrorText } from "../i18n/names";

export interface FieldError {
  field: string;
  message: string;
}

interface Envelope {
  error?: { code?: string; message?: string; details?: unknown };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field errors (a validation list, or one `{field}` detail) in the UI's language, keyed by
   * path without "body.". */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const single = this.details as { field?: unknown } | null;
    if (single && !Array.isArray(single) && typeof single.field === "string") {
      return { [single.field]: fieldErrorText(this.code, this.message, undefined, single as Record<string, unknown>) };
    }
    if (!Array.isArray(this.details)) return out;
    for (const item of this.details as (FieldError & { loc?: unknown[]; msg?: string; type?: string })[]) {
      const field = typeof item?.field === "string" ? item.field : Array.isArray(item?.loc) ? item.loc.join(".") : null;
      if (field) out[field.replace(/^(body|query|path)\./, "")] = fieldErrorText(item.type, item.message ?? item.msg ?? "");
    }
    return out;
  }
}

/** Build an ApiError from a failed response and its (maybe JSON) body. */
export function toApiError(status: number, body: unknown): ApiError {
  const env = (body ?? {}) as Envelope;
  const code = env.error?.code ?? `http_${status}`;
  const message = env.error?.message ?? `HTTP ${status}`;
  return new ApiError(status, code, message, env.error?.details);
}
