import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import { DATASET_POLL_MS } from "../lib/datasets";
import { PROJECT, dataset, page, processingDataset, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { NewJobPage } from "./NewJobPage";

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  tokenStore.set({ access: "A", refresh: "R" });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const failed = dataset({
  id: "d3", name: "bad.csv", status: "failed", row_count: 0, columns: [],
  error: { code: "invalid_file", message: "Row 3 has 5 fields, expected 4.", details: null },
});

function renderForm(route = "/jobs/new") {
  renderWithProviders(<ProjectProvider><NewJobPage /></ProjectProvider>, { path: "/jobs/new", route });
}

/** The labels of the dataset select's options. */
async function datasetOptions(): Promise<string[]> {
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  await user.click(screen.getByLabelText("选择数据集"));
  await waitFor(() => expect(document.querySelector(".ant-select-item-option")).not.toBeNull());
  return [...document.querySelectorAll(".ant-select-item-option")].map((o) => o.textContent ?? "");
}

describe("NewJobPage", () => {
  it("offers only ready datasets and names those still being converted", async () => {
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/task-types": () => json([]),
      "GET /api/v1/datasets": () => json(page([processingDataset({ id: "d2", name: "big.csv" }), failed, dataset()])),
    });
    renderForm();
    expect(await screen.findByText("正在后台转换的数据集就绪后即可选择：big.csv")).toBeInTheDocument();
    expect(await datasetOptions()).toEqual(["iris.csv (3 × 2)"]);
  });

  it("waits for the dataset asked for in the URL and picks it once it is ready", async () => {
    let ready = false;
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/task-types": () => json([]),
      "GET /api/v1/datasets": () =>
        json(page([ready ? dataset({ id: "d2", name: "big.csv", row_count: 500 }) : processingDataset({ id: "d2", name: "big.csv" }), dataset()])),
    });
    renderForm("/jobs/new?dataset=d2");
    expect(await screen.findByText("数据集「big.csv」正在后台转换，就绪后即可选择")).toBeInTheDocument();
    expect(screen.queryByTitle("big.csv (500 × 2)")).toBeNull();

    ready = true;
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS));
    expect(await screen.findByTitle("big.csv (500 × 2)")).toBeInTheDocument();
    expect(screen.queryByText("数据集「big.csv」正在后台转换，就绪后即可选择")).toBeNull();
  });

  it("says why a failed dataset asked for in the URL cannot be trained on", async () => {
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/task-types": () => json([]),
      "GET /api/v1/datasets": () => json(page([failed, dataset()])),
    });
    renderForm("/jobs/new?dataset=d3");
    expect(await screen.findByRole("alert")).toHaveTextContent("数据集「bad.csv」转换失败，不能用于训练：Row 3 has 5 fields, expected 4.");
    expect(await datasetOptions()).toEqual(["iris.csv (3 × 2)"]);
  });
});
