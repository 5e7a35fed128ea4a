/** Teacher providers and labeling runs: form values → request bodies, money and progress display. */
import dayjs, { type Dayjs } from "dayjs";
import type { components } from "../api/schema";

type S = components["schemas"];
export type ProviderKind = S["ProviderKind"];
export type Provider = S["ProviderRead"];
export type Price = S["PriceRead"];
export type TeacherOption = S["TeacherOption"];
export type LabelingRun = S["LabelingRunRead"];
export type LabelingPreview = S["LabelingPreview"];
export type RunCreate = S["LabelingRunCreate"];

/** The base URL each kind starts from (the server applies the same preset when none is sent). */
export const BASE_URL_PRESETS: Record<ProviderKind, string> = {
  qwen: "https://dashscope.aliyuncs.com/compatible-mode/v1",
  deepseek: "https://api.deepseek.com",
  doubao: "https://ark.cn-beijing.volces.com/api/v3",
  openai_compatible: "",
};
export const PROVIDER_KINDS = Object.keys(BASE_URL_PRESETS) as ProviderKind[];
export const CURRENCIES = ["CNY", "USD"] as const;

export interface PriceValues {
  model: string;
  input_per_m: string;
  cached_input_per_m?: string | null;
  output_per_m: string;
  currency: string;
  effective_from: Dayjs;
}

export interface ProviderValues {
  name: string;
  kind: ProviderKind;
  base_url?: string;
  models: string[];
  api_key?: string;
  clear_api_key?: boolean;
  /** null: unlimited */
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  concurrency?: number | null;
  prices?: PriceValues[];
}

const blank = (value?: string | null): string | null => (value && value.trim() ? value.trim() : null);

/** A price row as the API takes it; a blank cached price means "same as input". */
export function priceBody(price: PriceValues): S["PriceCreate"] {
  return {
    model: price.model,
    input_per_m: String(price.input_per_m),
    cached_input_per_m: blank(price.cached_input_per_m === undefined ? null : String(price.cached_input_per_m ?? "")),
    output_per_m: String(price.output_per_m),
    currency: price.currency,
    effective_from: price.effective_from.format("YYYY-MM-DD"),
  };
}

/** The create body: a blank base URL takes the kind's preset, a blank key the server's setting. */
export function providerCreateBody(values: ProviderValues): S["ProviderCreate"] {
  return {
    name: values.name.trim(),
    kind: values.kind,
    base_url: blank(values.base_url),
    models: values.models.map((m) => m.trim()).filter(Boolean),
    api_key: blank(values.api_key),
    rpm_limit: values.rpm_limit ?? null,
    tpm_limit: values.tpm_limit ?? null,
    concurrency: values.concurrency ?? null,
    prices: (values.prices ?? []).map(priceBody),
  };
}

/** The update body: only a newly typed key is sent (the stored one is never read back);
 * the limits are always sent, null meaning unlimited. */
export function providerUpdateBody(values: ProviderValues): S["ProviderUpdate"] {
  const body: S["ProviderUpdate"] = {
    name: values.name.trim(),
    models: values.models.map((m) => m.trim()).filter(Boolean),
    rpm_limit: values.rpm_limit ?? null,
    tpm_limit: values.tpm_limit ?? null,
    concurrency: values.concurrency ?? null,
  };
  const baseUrl = blank(values.base_url);
  if (baseUrl) body.base_url = baseUrl;
  const key = blank(values.api_key);
  if (key) body.api_key = key;
  else if (values.clear_api_key) body.clear_api_key = true;
  return body;
}

/** A provider as the edit form starts (no key: it is write-only). */
export function providerValues(provider: Provider): ProviderValues {
  return {
    name: provider.name,
    kind: provider.kind,
    base_url: provider.base_url,
    models: provider.models,
    rpm_limit: provider.rpm_limit,
    tpm_limit: provider.tpm_limit,
    concurrency: provider.concurrency,
    prices: [],
  };
}

/** A stored price as the price form starts; a cached price equal to the input price shows blank
 * ("same as input"), so correcting the input price corrects both. */
export function priceValues(price: Price): PriceValues {
  return {
    model: price.model,
    input_per_m: price.input_per_m,
    cached_input_per_m: Number(price.cached_input_per_m) === Number(price.input_per_m) ? null : price.cached_input_per_m,
    output_per_m: price.output_per_m,
    currency: price.currency,
    effective_from: dayjs(price.effective_from),
  };
}

export type TaskKind = "classify" | "extract" | "generate";

export interface RunValues {
  name: string;
  dataset_id: string;
  text_columns: string[];
  kind: TaskKind;
  labels?: { name: string; description?: string }[];
  examples?: { text: string; label: string }[];
  json_schema?: string;
  system?: string;
  template?: string;
  teachers: string[];
  temperature?: number;
  max_tokens?: number;
  budget: string;
  currency: string;
}

/** A teacher as the picker's value: provider id and model in one string. */
export const teacherKey = (providerId: string, model: string): string => `${providerId}::${model}`;

function teacherRef(key: string): S["TeacherRef"] {
  const cut = key.indexOf("::");
  return { provider_id: key.slice(0, cut), model: key.slice(cut + 2) };
}

/** The JSON schema text as an object; throws a SyntaxError naming the problem. */
export function parseSchema(text: string | undefined): Record<string, unknown> {
  const value: unknown = JSON.parse(text ?? "");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("not a JSON object");
  }
  return value as Record<string, unknown>;
}

function taskBody(values: RunValues): RunCreate["task"] {
  if (values.kind === "classify") {
    return {
      kind: "classify",
      labels: (values.labels ?? []).map((l) => ({ name: l.name.trim(), description: (l.description ?? "").trim() })),
      examples: (values.examples ?? []).map((e) => ({ text: e.text, label: e.label })),
    };
  }
  if (values.kind === "extract") return { kind: "extract", json_schema: parseSchema(values.json_schema) };
  return { kind: "generate", system: values.system ?? "" };
}

/** The body of preview and create: a blank template takes the task's default. */
export function runBody(values: RunValues): RunCreate {
  return {
    name: values.name.trim(),
    dataset_id: values.dataset_id,
    text_columns: values.text_columns,
    task: taskBody(values),
    template: blank(values.template),
    teachers: values.teachers.map(teacherRef),
    params: { temperature: values.temperature ?? 0, max_tokens: values.max_tokens ?? 256, logprobs: false },
    budget: String(values.budget),
    currency: values.currency,
  };
}

/** Server field paths of the run body → the form's field names. */
export const RUN_FIELD_ALIASES: Record<string, string> = {
  "task.labels": "labels", "task.classify.labels": "labels",
  "task.examples": "examples", "task.classify.examples": "examples",
  "task.json_schema": "json_schema", "task.extract.json_schema": "json_schema",
  "task.system": "system", "task.generate.system": "system",
  "params.temperature": "temperature", "params.max_tokens": "max_tokens",
};

/** Money in its currency: cents for amounts from 1 on, up to 4 decimals below (token prices are small). */
export function formatMoney(amount: string | number | null | undefined, currency: string, lang = "zh"): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  const small = Math.abs(value) > 0 && Math.abs(value) < 1;
  return new Intl.NumberFormat(lang === "en" ? "en-US" : "zh-CN", {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: small ? 4 : 2,
  }).format(value);
}

/** Whole-number token counts with grouping ("1,234,567"). */
export function formatTokens(count: number | null | undefined): string {
  return count === null || count === undefined ? "—" : count.toLocaleString("en-US");
}

/** Share of the budget spent, 0–100 (rounded down so 100 means all of it). */
export function budgetPercent(cost: string, budget: string): number {
  const b = Number(budget);
  if (!(b > 0)) return 0;
  return Math.min(100, Math.floor((Number(cost) / b) * 100));
}

/** Rows per second between two readings of a run, or null before there are two. */
export function rowsPerSecond(
  before: { rows: number; at: number } | null,
  now: { rows: number; at: number },
): number | null {
  if (!before || now.at <= before.at || now.rows < before.rows) return null;
  return (now.rows - before.rows) / ((now.at - before.at) / 1000);
}

/** Runs still moving: their detail and list pages follow them, and they can be stopped. */
export const ACTIVE_RUN_STATUSES = new Set(["pending", "running"]);

/** Poll a run only while it moves and its job's live stream is down. */
export function runPollMs(status: string | undefined, live: boolean, every = 2000): number | false {
  return status !== undefined && ACTIVE_RUN_STATUSES.has(status) && !live ? every : false;
}

/** What a `label` job's progress event carries (see the labeling child's progress lines). */
export interface RunProgress {
  rows_done: number;
  rows_total: number;
  rows_per_s: number;
  input_tokens: number;
  output_tokens: number;
  cost: string;
}

/** The newest progress event of the stream's timeline, if it is a labeling run's. */
export function latestRunProgress(timeline: { type: string; data?: Record<string, unknown> | null }[]): RunProgress | null {
  for (let i = timeline.length - 1; i >= 0; i -= 1) {
    const { type, data } = timeline[i];
    if (type === "progress" && data && typeof data.rows_done === "number" && typeof data.cost === "string") {
      return data as unknown as RunProgress;
    }
  }
  return null;
}

/** The run with its live progress laid over, while it moves and the progress is not behind it. */
export function withLiveProgress<R extends LabelingRun>(run: R, progress: RunProgress | null): R {
  if (!progress || !ACTIVE_RUN_STATUSES.has(run.status) || progress.rows_done < run.rows_done) return run;
  const { rows_done, rows_total, input_tokens, output_tokens, cost } = progress;
  return { ...run, rows_done, rows_total, input_tokens, output_tokens, cost };
}
/** Runs that can be queued again (answers already paid are reused). */
export const RESUMABLE_RUN_STATUSES = new Set(["stopped_budget", "cancelled", "failed"]);
