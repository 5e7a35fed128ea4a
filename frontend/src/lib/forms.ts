/** Put a failed request's field errors on the form fields; other errors go to a toast. */
import type { FormInstance } from "antd";
import { errorText } from "../api/errorText";
import { ApiError } from "../api/errors";

interface Toast {
  error: (content: string) => unknown;
}

/** Show each validation error at its field (by dotted path); return the ones that matched. */
export function applyFieldErrors<T>(
  form: FormInstance<T>,
  error: unknown,
  toast: Toast,
  aliases: Record<string, string> = {},
): string[] {
  const message = errorText(error);
  if (!(error instanceof ApiError)) {
    toast.error(message);
    return [];
  }
  const fieldErrors = Object.fromEntries(
    Object.entries(error.fieldErrors()).map(([field, msg]) => [aliases[field] ?? field, msg]),
  );
  const known = Object.keys(fieldErrors);
  if (known.length === 0) {
    toast.error(message);
    return [];
  }
  form.setFields(
    known.map((field) => ({ name: field.split("."), errors: [fieldErrors[field]] })) as never,
  );
  return known;
}
