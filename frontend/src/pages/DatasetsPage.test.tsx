import { act, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import { setLanguage } from "../i18n";
import { DATASET_POLL_MS } from "../lib/datasets";
import { PROJECT, dataset, page, processingDataset, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { DatasetsPage } from "./DatasetsPage";

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  tokenStore.set({ access: "A", refresh: "R" });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  tokenStore.set(null);
  setLanguage("zh");
});

const rowOf = (name: string) => screen.getByRole("link", { name }).closest("tr") as HTMLElement;

function renderList() {
  renderWithProviders(<ProjectProvider><DatasetsPage /></ProjectProvider>, { path: "/datasets", route: "/datasets" });
}

describe("DatasetsPage", () => {
  it("tags each dataset's status and refreshes while one is converted, then stops", async () => {
    let converting = true;
    const big = () => (converting ? processingDataset({ id: "d2", name: "big.csv" }) : dataset({ id: "d2", name: "big.csv", row_count: 50_000 }));
    const calls = stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/datasets": () => json(page([big(), dataset()])),
    });
    renderList();
    await screen.findByRole("link", { name: "big.csv" });
    expect(within(rowOf("big.csv")).getByText("处理中")).toBeInTheDocument();
    expect(within(rowOf("iris.csv")).getByText("就绪")).toBeInTheDocument();

    converting = false;
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS));
    await waitFor(() => expect(within(rowOf("big.csv")).getByText("就绪")).toBeInTheDocument());
    expect(within(rowOf("big.csv")).getByText("50000")).toBeInTheDocument();

    const listed = calls.filter((c) => c === "GET /api/v1/datasets").length;
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS * 3));
    expect(calls.filter((c) => c === "GET /api/v1/datasets")).toHaveLength(listed);
  });

  it("does not poll when every dataset is settled, and shows a failed one in English", async () => {
    setLanguage("en");
    const calls = stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/datasets": () => json(page([dataset({ id: "d3", name: "bad.csv", status: "failed", row_count: 0, columns: [] }), dataset()])),
    });
    renderList();
    await screen.findByRole("link", { name: "bad.csv" });
    expect(within(rowOf("bad.csv")).getByText("Failed")).toBeInTheDocument();
    expect(within(rowOf("iris.csv")).getByText("Ready")).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS * 3));
    expect(calls.filter((c) => c === "GET /api/v1/datasets")).toHaveLength(1);
  });
});
