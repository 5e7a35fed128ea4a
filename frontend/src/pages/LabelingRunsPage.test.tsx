import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import type { LabelingRun } from "../lib/teachers";
import { PROJECT, page, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { LabelingRunsPage } from "./LabelingRunsPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const RUN: LabelingRun = {
  id: "r1", project_id: PROJECT.id, dataset_id: "d1", name: "情感标注", text_columns: ["review"], task: { kind: "classify" },
  template: "", teachers: [{ provider_id: "t1", model: "qwen-plus" }, { provider_id: "t2", model: "deepseek-chat" }],
  params: {}, budget: "20", currency: "USD", estimate: {}, status: "running", rows_total: 400, rows_done: 100,
  input_tokens: 0, output_tokens: 0, cost: "0.0042", error: null, output_dataset_id: null, job_id: "j1",
  created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};

describe("LabelingRunsPage", () => {
  it("lists the project's runs with status, progress, cost of budget and teachers", async () => {
    let asked = "";
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/labeling-runs": (url) => {
        asked = url.searchParams.get("project_id") ?? "";
        return json(page([RUN]));
      },
    });
    renderWithProviders(<ProjectProvider><LabelingRunsPage /></ProjectProvider>);
    expect(await screen.findByRole("link", { name: "情感标注" })).toHaveAttribute("href", "/labeling/r1");
    expect(asked).toBe(PROJECT.id);
    expect(screen.getByText("运行中")).toBeInTheDocument();
    expect(screen.getByText("25%")).toBeInTheDocument();
    expect(screen.getByText("US$0.0042 / 预算 US$20.00")).toBeInTheDocument();
    expect(screen.getByText("deepseek-chat")).toBeInTheDocument();
  });
});
