import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { codeText } from "../api/errorText";
import { ApiError } from "../api/errors";
import { errorText } from "../api/errorText";
import {
  budgetPercent, formatMoney, formatTokens, latestRunProgress, parseSchema, priceBody, priceValues, providerCreateBody,
  providerUpdateBody, rowsPerSecond, runBody, runPollMs, teacherKey, withLiveProgress, type LabelingRun, type ProviderValues,
  type RunValues,
} from "./teachers";

const provider: ProviderValues = {
  name: " 千问 ", kind: "qwen", base_url: "  ", models: ["qwen-plus", " "], api_key: "", concurrency: 4,
  rpm_limit: undefined, tpm_limit: 100000,
  prices: [{ model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: "", output_per_m: "2", currency: "CNY", effective_from: dayjs("2026-01-01") }],
};

describe("provider bodies", () => {
  it("create: blank base URL and key fall back to the server, blank cached price to the input price", () => {
    expect(providerCreateBody(provider)).toEqual({
      name: "千问", kind: "qwen", base_url: null, models: ["qwen-plus"], api_key: null, rpm_limit: null, tpm_limit: 100000,
      concurrency: 4,
      prices: [{ model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: null, output_per_m: "2", currency: "CNY", effective_from: "2026-01-01" }],
    });
  });

  it("update: the key is sent only when typed, limits always (null: unlimited), clearing is explicit", () => {
    expect(providerUpdateBody(provider)).toEqual({
      name: "千问", models: ["qwen-plus"], concurrency: 4, rpm_limit: null, tpm_limit: 100000,
    });
    expect(providerUpdateBody({ ...provider, concurrency: null, tpm_limit: null })).toMatchObject({
      concurrency: null, rpm_limit: null, tpm_limit: null,
    });
    expect(providerUpdateBody({ ...provider, api_key: "sk-new", clear_api_key: true })).toMatchObject({ api_key: "sk-new" });
    expect(providerUpdateBody({ ...provider, api_key: "sk-new", clear_api_key: true })).not.toHaveProperty("clear_api_key");
    expect(providerUpdateBody({ ...provider, clear_api_key: true })).toMatchObject({ clear_api_key: true });
    expect(providerUpdateBody({ ...provider, base_url: "https://x.example/v1" })).toMatchObject({ base_url: "https://x.example/v1" });
  });

  it("price: a cached price given is kept", () => {
    expect(priceBody({ ...provider.prices![0], cached_input_per_m: "0.16" }).cached_input_per_m).toBe("0.16");
  });
});

const run: RunValues = {
  name: " 情感 ", dataset_id: "d1", text_columns: ["review"], kind: "classify",
  labels: [{ name: " 正面 ", description: "夸奖" }, { name: "负面" }], examples: [{ text: "很好", label: "正面" }],
  json_schema: "{}", system: "ignored", template: "", teachers: [teacherKey("p1", "qwen-plus"), teacherKey("p2", "deepseek-chat")],
  temperature: 0.2, max_tokens: 64, budget: "12.5", currency: "CNY",
};

describe("run body", () => {
  it("classify: labels with descriptions, examples, teachers split into provider and model", () => {
    expect(runBody(run)).toEqual({
      name: "情感", dataset_id: "d1", text_columns: ["review"],
      task: { kind: "classify", labels: [{ name: "正面", description: "夸奖" }, { name: "负面", description: "" }], examples: [{ text: "很好", label: "正面" }] },
      template: null,
      teachers: [{ provider_id: "p1", model: "qwen-plus" }, { provider_id: "p2", model: "deepseek-chat" }],
      params: { temperature: 0.2, max_tokens: 64, logprobs: false }, budget: "12.5", currency: "CNY",
    });
  });

  it("extract sends the parsed schema, generate the system prompt, a template is kept", () => {
    const schema = '{"type": "object", "properties": {"city": {"type": "string"}}}';
    expect(runBody({ ...run, kind: "extract", json_schema: schema }).task).toEqual({
      kind: "extract", json_schema: { type: "object", properties: { city: { type: "string" } } },
    });
    expect(runBody({ ...run, kind: "generate", system: "简洁回答" }).task).toEqual({ kind: "generate", system: "简洁回答" });
    expect(runBody({ ...run, template: "{{ text }}" }).template).toBe("{{ text }}");
  });

  it("a schema that is not a JSON object is refused", () => {
    expect(() => parseSchema("[1]")).toThrow("not a JSON object");
    expect(() => parseSchema("{oops")).toThrow(SyntaxError);
    expect(() => runBody({ ...run, kind: "extract", json_schema: "" })).toThrow(SyntaxError);
  });
});

describe("money and progress", () => {
  it("formats CNY and USD, cents from 1 on and up to 4 decimals below", () => {
    expect(formatMoney("12.3456", "CNY", "zh")).toBe("¥12.35");
    expect(formatMoney("0.00421", "CNY", "zh")).toBe("¥0.0042");
    expect(formatMoney("1234.5", "USD", "en")).toBe("$1,234.50");
    expect(formatMoney("0.5", "USD", "en")).toBe("$0.50");
    expect(formatMoney("0", "USD", "en")).toBe("$0.00");
    expect(formatMoney(null, "CNY")).toBe("—");
    expect(formatMoney("12", "CNY", "en")).toBe("CN¥12.00");
  });

  it("tokens, budget share and rows per second", () => {
    expect(formatTokens(1234567)).toBe("1,234,567");
    expect(budgetPercent("2.5", "10")).toBe(25);
    expect(budgetPercent("12", "10")).toBe(100);
    expect(budgetPercent("1", "0")).toBe(0);
    expect(rowsPerSecond(null, { rows: 5, at: 1000 })).toBeNull();
    expect(rowsPerSecond({ rows: 10, at: 1000 }, { rows: 30, at: 5000 })).toBe(5);
    expect(rowsPerSecond({ rows: 10, at: 1000 }, { rows: 30, at: 1000 })).toBeNull();
  });
});

describe("error texts", () => {
  it("over_budget names the estimate in its currency; provider codes read in the UI language", () => {
    const err = new ApiError(422, "over_budget", "Estimated cost exceeds", { estimate: { cost: "3.5", currency: "USD" } });
    expect(errorText(err, "en")).toBe("The estimated cost $3.50 exceeds the budget");
    expect(errorText(err, "zh")).toBe("估算费用 US$3.50 超过预算");
    expect(codeText("provider_http_401", "HTTP 401", "zh")).toBe("API 密钥无效（HTTP 401）");
    expect(codeText("provider_http_418", "teapot", "en")).toBe("The endpoint answered HTTP 418");
    expect(codeText("provider_unreachable", "ConnectError", "en")).toBe("Cannot reach the base URL");
    expect(codeText("something_new", "as the server said", "zh")).toBe("as the server said");
    expect(codeText(null, "Connected.", "zh")).toBe("Connected.");
  });

  it("a field error fills its template from the details", () => {
    const err = new ApiError(422, "teacher_price_missing", "x", { field: "teachers", model: "qwen-max" });
    expect(err.fieldErrors().teachers).toContain("qwen-max");
  });
});

describe("price form", () => {
  it("a stored price fills the form and goes back as the same body", () => {
    const stored = { id: "x", model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: "0.2", output_per_m: "2", currency: "CNY", effective_from: "2026-03-01" };
    expect(priceBody(priceValues(stored))).toEqual({
      model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: "0.2", output_per_m: "2", currency: "CNY", effective_from: "2026-03-01",
    });
    const same = { ...stored, input_per_m: "0.80000000", cached_input_per_m: "0.8" };
    expect(priceValues(same).cached_input_per_m).toBeNull();
  });
});

describe("following a run", () => {
  const running = { status: "running", rows_done: 50, rows_total: 200, input_tokens: 10, output_tokens: 5, cost: "2" } as LabelingRun;
  const progress = { rows_done: 120, rows_total: 200, rows_per_s: 3, input_tokens: 30, output_tokens: 9, cost: "4.8" };

  it("polls only a moving run whose live stream is down", () => {
    expect(runPollMs("running", false)).toBe(2000);
    expect(runPollMs("pending", false)).toBe(2000);
    expect(runPollMs("running", true)).toBe(false);
    expect(runPollMs("succeeded", false)).toBe(false);
    expect(runPollMs(undefined, false)).toBe(false);
  });

  it("takes the newest progress event and lays it over a moving run, never backwards", () => {
    const timeline = [
      { type: "progress", data: { rows_done: 10, cost: "1" } },
      { type: "progress", data: progress },
      { type: "status", data: { status: "running" } },
      { type: "progress", data: { fraction: 0.5 } },
    ];
    expect(latestRunProgress(timeline)).toBe(progress);
    expect(latestRunProgress([])).toBeNull();
    expect(withLiveProgress(running, progress)).toMatchObject({ rows_done: 120, cost: "4.8", input_tokens: 30 });
    expect(withLiveProgress({ ...running, rows_done: 130 }, progress).rows_done).toBe(130);
    expect(withLiveProgress({ ...running, status: "succeeded" }, progress)).toMatchObject({ rows_done: 50 });
    expect(withLiveProgress(running, null)).toBe(running);
  });
});
