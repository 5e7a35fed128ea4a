import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import type { Provider } from "../lib/teachers";
import { stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { TeacherProvidersPage } from "./TeacherProvidersPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const QWEN: Provider = {
  id: "p1", name: "千问", kind: "qwen", base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
  models: ["qwen-plus"], has_key: true, key_source: "stored", key_last4: "zyxw", rpm_limit: 600, tpm_limit: null,
  concurrency: 8,
  prices: [{ id: "x1", model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: "0.8", output_per_m: "2", currency: "CNY", effective_from: "2026-01-01" }],
  created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};

describe("TeacherProvidersPage", () => {
  it("shows whether a key is set, never the key, and the test connection's error in Chinese", async () => {
    stubApi({
      "GET /api/v1/llm-providers": () => json([QWEN]),
      "POST /api/v1/llm-providers/p1/test": () =>
        json({ ok: false, method: null, models: [], latency_ms: 12, error_code: "provider_http_401", message: "HTTP 401: bad key" }),
    });
    renderWithProviders(<TeacherProvidersPage />);
    expect(await screen.findByText("已设置（…zyxw）")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("test-provider"));
    const result = await screen.findByTestId("test-result");
    expect(result).toHaveTextContent("连接失败");
    expect(result).toHaveTextContent("API 密钥无效（HTTP 401）");
  });

  it("creates a provider: the kind's preset fills the base URL, the typed key goes in the body", async () => {
    const bodies: unknown[] = [];
    stubApi({
      "GET /api/v1/llm-providers": () => json([]),
      "POST /api/v1/llm-providers": async (_, request) => {
        bodies.push(await request.json());
        return json({ ...QWEN, id: "p2", name: "DeepSeek", kind: "deepseek" }, 201);
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<TeacherProvidersPage />);
    await user.click(await screen.findByTestId("create-provider"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("provider-base-url")).toHaveValue("https://dashscope.aliyuncs.com/compatible-mode/v1");
    fireEvent.change(within(dialog).getByTestId("provider-name"), { target: { value: "DeepSeek" } });
    await user.click(within(dialog).getByLabelText("类型"));
    await user.click(await screen.findByTitle("DeepSeek"));
    expect(within(dialog).getByTestId("provider-base-url")).toHaveValue("https://api.deepseek.com");
    await user.type(within(dialog).getByLabelText("模型"), "deepseek-chat{Enter}");
    fireEvent.change(within(dialog).getByTestId("provider-key"), { target: { value: "sk-secret-1234" } });
    await user.click(screen.getByTestId("save-provider"));
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toMatchObject({
      name: "DeepSeek", kind: "deepseek", base_url: "https://api.deepseek.com", models: ["deepseek-chat"],
      api_key: "sk-secret-1234", concurrency: 4,
      prices: [],
    });
  }, 240_000);

  it("corrects a price and deletes one from the price table", async () => {
    const patches: unknown[] = [];
    const calls = stubApi({
      "GET /api/v1/llm-providers": () => json([QWEN]),
      "PATCH /api/v1/llm-providers/p1/prices/x1": async (_, request) => {
        patches.push(await request.json());
        return json({ ...QWEN.prices[0], input_per_m: "0.6" });
      },
      "DELETE /api/v1/llm-providers/p1/prices/x1": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderWithProviders(<TeacherProvidersPage />);
    expect(await screen.findByText("已设置（…zyxw）")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /展开行|Expand row/ }));
    await user.click(await screen.findByRole("button", { name: "修改价格 qwen-plus 2026-01-01" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("已完成的调用和标注任务保留当时记录的费用");
    const input = within(dialog).getByTestId("price-input");
    expect(input).toHaveValue("0.8");
    expect(within(dialog).getByTestId("price-cached")).toHaveValue("");
    fireEvent.change(input, { target: { value: "0.6" } });
    await user.click(screen.getByTestId("save-price"));
    await waitFor(() => expect(patches).toHaveLength(1));
    expect(patches[0]).toEqual({
      model: "qwen-plus", input_per_m: "0.6", cached_input_per_m: null, output_per_m: "2", currency: "CNY", effective_from: "2026-01-01",
    });

    await user.click(screen.getByRole("button", { name: "删除价格 qwen-plus 2026-01-01" }));
    expect(await screen.findByText(/删除 qwen-plus 自 2026-01-01 起的价格/)).toBeInTheDocument();
    await user.click(await screen.findByRole("button", { name: /^(OK|确\s*定)$/ }));
    await waitFor(() => expect(calls).toContain("DELETE /api/v1/llm-providers/p1/prices/x1"));
  }, 240_000);

  it("sets limits back to unlimited: the update sends null for each", async () => {
    const patches: unknown[] = [];
    stubApi({
      "GET /api/v1/llm-providers": () => json([QWEN]),
      "PATCH /api/v1/llm-providers/p1": async (_, request) => {
        patches.push(await request.json());
        return json({ ...QWEN, rpm_limit: null, concurrency: null });
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<TeacherProvidersPage />);
    expect(await screen.findByText(/每分钟请求数上限 600 · 每分钟 token 数上限 不限 · 并发数 8/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /^编\s*辑$/ }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("provider-tpm-unlimited")).toBeChecked();
    expect(within(dialog).getByTestId("provider-rpm")).toHaveValue("600");
    await user.click(within(dialog).getByTestId("provider-rpm-unlimited"));
    await user.click(within(dialog).getByTestId("provider-concurrency-unlimited"));
    expect(within(dialog).getByTestId("provider-concurrency")).toBeDisabled();
    await user.click(screen.getByTestId("save-provider"));
    await waitFor(() => expect(patches).toHaveLength(1));
    expect(patches[0]).toMatchObject({ rpm_limit: null, tpm_limit: null, concurrency: null });
  }, 240_000);

  it("asks for a number when a limit is neither set nor unlimited", async () => {
    const calls = stubApi({ "GET /api/v1/llm-providers": () => json([{ ...QWEN, rpm_limit: null }]) });
    const user = userEvent.setup();
    renderWithProviders(<TeacherProvidersPage />);
    expect(await screen.findByText("已设置（…zyxw）")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /^编\s*辑$/ }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByTestId("provider-rpm-unlimited"));
    await user.click(screen.getByTestId("save-provider"));
    expect(await within(dialog).findByText("请输入数值，或勾选「不限」")).toBeInTheDocument();
    expect(calls).not.toContain("PATCH /api/v1/llm-providers/p1");
  }, 240_000);
});
