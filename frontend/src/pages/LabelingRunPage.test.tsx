import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import type { LabelingRun } from "../lib/teachers";
import { stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { LabelingRunPage } from "./LabelingRunPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
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

  it("answers a run of another project as not found", async () => {
    stubApi({});
    renderWithProviders(<LabelingRunPage />, { path: "/labeling/:id", route: "/labeling/r2" });
    expect(await screen.findByText("对象不存在或无权访问")).toBeInTheDocument();
  });
});
