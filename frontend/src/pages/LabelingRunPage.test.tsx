import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import type { LabelingRun } from "../lib/teachers";
import { stubApi } from "../test/api";
import { FakeSocket } from "../test/fakeSocket";
import { json, renderWithProviders } from "../test/render";
import { LabelingRunPage } from "./LabelingRunPage";

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  tokenStore.set({ access: "A", refresh: "R" });
});
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

/** A run as the API shows it. */
function labelingRun(fields: Partial<LabelingRun> = {}): LabelingRun {
  return {
    id: "r1", project_id: "p1", dataset_id: "d1", name: "情感标注", text_columns: ["review"],
    task: { kind: "classify", labels: [{ name: "正面", description: "" }], examples: [] }, template: "{{ text }}",
    teachers: [{ provider_id: "t1", model: "qwen-plus" }], params: {}, budget: "10", currency: "CNY", estimate: {},
    status: "stopped_budget", rows_total: 200, rows_done: 50, input_tokens: 12345, output_tokens: 678, cost: "9.5",
    error: { code: "budget_exhausted", message: "Budget of 10 CNY reached." }, output_dataset_id: "d9", job_id: "j1",
    created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

describe("LabelingRunPage", () => {
  it("shows progress, tokens, cost against the budget, the stop reason and the output dataset", async () => {
    stubApi({ "GET /api/v1/labeling-runs/r1": () => json(labelingRun()) });
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r1" });
    expect(await screen.findByText("预算用尽已停止")).toBeInTheDocument();
    expect(screen.getByTestId("run-progress")).toHaveTextContent("25%");
    expect(screen.getByText("50 / 200")).toBeInTheDocument();
    expect(screen.getByText("12,345")).toBeInTheDocument();
    expect(screen.getByTestId("run-cost")).toHaveTextContent("¥9.50 / 预算 ¥10.00");
    expect(screen.getByTestId("run-error")).toHaveTextContent("已达到预算，标注已停止");
    expect(screen.getByTestId("run-output").closest("a")).toHaveAttribute("href", "/datasets/d9");
    expect(screen.getByTestId("run-review").closest("a")).toHaveAttribute("href", "/labeling-runs/r1/review");
  });

  it("stops a running run and lists its labeled rows with their errors", async () => {
    let run = labelingRun({ status: "running", error: null, output_dataset_id: null });
    const calls = stubApi({
      "GET /api/v1/labeling-runs/r1": () => json(run),
      "POST /api/v1/labeling-runs/r1/stop": () => {
        run = { ...run, status: "cancelled", error: { code: "cancelled", message: "The run was stopped." } };
        return json(run);
      },
      "GET /api/v1/labeling-runs/r1/rows": () =>
        json({
          items: [
            { row_index: 0, output: "正面", votes: [], agreement: 1, confidence: 0.9, error: null, created_at: "2026-01-01T00:00:00Z" },
            { row_index: 1, output: null, votes: [], agreement: null, confidence: null, error: { code: "content_filter", message: "blocked" }, created_at: "2026-01-01T00:00:00Z" },
          ],
          total: 2, limit: 20, offset: 0, next_cursor: null,
        }),
    });
    const user = userEvent.setup();
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r1" });
    expect(await screen.findByText("内容被教师模型的内容审核拦截", {}, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.getByText("90%")).toBeInTheDocument();
    expect(screen.queryByTestId("run-resume")).toBeNull();
    await user.click(screen.getByTestId("run-stop"));
    await user.click(await screen.findByRole("button", { name: /^(OK|确\s*定)$/ }));
    await waitFor(() => expect(calls).toContain("POST /api/v1/labeling-runs/r1/stop"));
    expect(await screen.findByTestId("run-resume")).toBeInTheDocument();
    expect(screen.getByTestId("run-error")).toHaveTextContent("标注已被停止");
  }, 240_000);

  it("answers a run of another project as not found", async () => {
    stubApi({});
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r2" });
    expect(await screen.findByText("对象不存在或无权访问")).toBeInTheDocument();
  });

  it("follows the run's job live and reads the run again when the job ends", async () => {
    let run = labelingRun({ status: "running", error: null, output_dataset_id: null, cost: "2" });
    stubApi({
      "GET /api/v1/labeling-runs/r1": () => json(run),
      "GET /api/v1/labeling-runs/r1/rows": () => json({ items: [], total: 0, limit: 20, offset: 0, next_cursor: null }),
    });
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r1" });
    expect(await screen.findByText("50 / 200")).toBeInTheDocument();
    const socket = FakeSocket.all[0];
    expect(socket.url).toMatch(/\/ws\/jobs\/j1\?last_event_id=0$/);
    act(() => {
      socket.open();
      socket.receive({ type: "snapshot", job: { id: "j1", status: "running", progress: 0.25 } });
      socket.receive({
        id: 11, job_id: "j1", type: "progress", created_at: "",
        data: { rows_done: 120, rows_total: 200, rows_per_s: 3.5, input_tokens: 30000, output_tokens: 1500, cost: "4.8", currency: "CNY", fraction: 0.6 },
      });
    });
    expect(await screen.findByText("120 / 200")).toBeInTheDocument();
    expect(screen.getByTestId("run-cost")).toHaveTextContent("¥4.80 / 预算 ¥10.00");
    expect(screen.getByText("30,000")).toBeInTheDocument();
    expect(screen.getByText("3.50 行/秒")).toBeInTheDocument();
    expect(screen.getByTestId("run-live")).toHaveTextContent("实时更新");
    expect(screen.queryByTestId("run-output")).toBeNull();

    run = { ...run, status: "succeeded", rows_done: 200, cost: "8", output_dataset_id: "d9" };
    act(() => socket.receive({ id: 12, job_id: "j1", type: "status", created_at: "", data: { status: "succeeded" } }));
    expect(await screen.findByTestId("run-output")).toBeInTheDocument();
    expect(screen.getByText("200 / 200")).toBeInTheDocument();
    expect(screen.getByTestId("run-cost")).toHaveTextContent("¥8.00 / 预算 ¥10.00");
    expect(screen.queryByTestId("run-live")).toBeNull();
  });

  it("falls back to polling while the live stream is down", async () => {
    let run = labelingRun({ status: "running", error: null, output_dataset_id: null });
    stubApi({
      "GET /api/v1/labeling-runs/r1": () => json(run),
      "GET /api/v1/labeling-runs/r1/rows": () => json({ items: [], total: 0, limit: 20, offset: 0, next_cursor: null }),
    });
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r1" });
    expect(await screen.findByText("50 / 200")).toBeInTheDocument();
    act(() => FakeSocket.all[0].drop(1006));
    expect(await screen.findByTestId("run-polling")).toHaveTextContent("实时连接中断");
    run = { ...run, rows_done: 80 };
    expect(await screen.findByText("80 / 200", {}, { timeout: 20_000 })).toBeInTheDocument();
  }, 60_000);
});
