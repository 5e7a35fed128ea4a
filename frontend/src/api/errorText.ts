/** A failed request as a sentence in the UI's language: from the error's code and details,
 * falling back to the server's (English) message for a code the catalogue does not know. */
import i18n from "../i18n";
import { fill, lookup, type Vars } from "../i18n/names";
import { formatBytes } from "../lib/format";
import { formatMoney } from "../lib/teachers";
import { ApiError } from "./errors";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function formatLimit(bytes: unknown): string {
  return typeof bytes === "number" ? `${Math.round(bytes / 1024 / 1024)} MB` : "?";
}

/** The values a catalogue sentence may use, read from the error's details. */
function varsOf(error: ApiError, lang: string): Vars {
  const details = isObj(error.details) ? error.details : {};
  const vars: Vars = { ...details, line: details.line ?? details.row, limit: formatLimit(details.limit_bytes) };
  if (error.code === "dataset_invalid_for_task") {
    const first = Array.isArray(details.errors) ? details.errors.find(isObj) : undefined;
    vars.reason = first ? issueText(first, lang) : "?";
  }
  if (typeof details.column === "number") vars.column = details.column + 1;
  if (error.code === "quota_exceeded") {
    const quota = String(details.quota ?? "");
    vars.quota = lookup(lang, "quotaNames", quota) ?? quota;
    vars.limit = quota === "storage_bytes" && typeof details.limit === "number" ? formatBytes(details.limit) : details.limit;
  }
  if (Array.isArray(details.columns)) vars.columns = details.columns.join(", ");
  if (isObj(details.estimate)) {
    vars.cost = formatMoney(details.estimate.cost as string, String(details.estimate.currency), lang);
  }
  return vars;
}

/** A provider or labeling failure `{code, message}` (test connection, a run's or a row's error) in `lang`;
 * `provider_http_<status>` codes without an entry of their own read as "HTTP <status>". */
export function codeText(code: string | null | undefined, message: string, lang = i18n.language): string {
  if (!code) return message;
  const template = lookup(lang, "errorCodes", code);
  if (template) return fill(template, {});
  const http = /^provider_http_(\d+)$/.exec(code);
  if (http) return fill(lookup(lang, "errorCodes", "provider_http") ?? message, { status: http[1] });
  return message;
}

/** A validation issue `{code, message, column, count}` or a chat row problem `{code, message, row}`
 * in `lang`; an issue listing its `rows` is named by the first. */
export function issueText(issue: Record<string, unknown>, lang = i18n.language): string {
  const template = typeof issue.code === "string" ? lookup(lang, "validationCodes", issue.code) : undefined;
  const row = issue.row ?? (Array.isArray(issue.rows) ? issue.rows[0] : undefined);
  return template ? fill(template, { ...issue, row }) : String(issue.message ?? issue.code ?? "");
}

/** What to show for `error` in the current language. */
export function errorText(error: unknown, lang = i18n.language): string {
  if (error instanceof ApiError) {
    const template = lookup(lang, "errorCodes", error.code);
    return template ? fill(template, varsOf(error, lang)) : error.message;
  }
  if (error instanceof TypeError) return lookup(lang, "errorCodes", "network") ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
