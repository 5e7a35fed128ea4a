import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { setLanguage } from "../i18n";
import { DATASET_POLL_MS } from "../lib/datasets";
import { dataset, processingDataset, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { DatasetDetailPage } from "./DatasetDetailPage";

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

const HINT = "文件较大，正在后台转换，完成后自动刷新";
const preview = { columns: ["petal", "species"], rows: [{ petal: 1.4, species: "setosa" }], total: 1, offset: 0, limit: 20 };
const failed = dataset({
  status: "failed", format: "", row_count: 0, columns: [],
  error: { code: "ragged_rows", message: "Ragged CSV: line 3 has 5 fields, the header has 4.", details: { line: 3, expected: 4, got: 5 } },
});

function renderDetail() {
  renderWithProviders(<DatasetDetailPage />, { path: "/datasets/:id", route: "/datasets/d1" });
}

describe("DatasetDetailPage", () => {
  it("shows a converting dataset's state without asking for its preview, then the preview once ready", async () => {
    let ready = false;
    const calls = stubApi({
      "GET /api/v1/datasets/d1": () => json(ready ? dataset() : processingDataset()),
      "GET /api/v1/datasets/d1/preview": () => json(preview),
    });
    renderDetail();
    expect(await screen.findByTestId("dataset-processing")).toHaveTextContent(HINT);
    expect(screen.getByText("处理中")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /开始训练/ })).toBeDisabled();
    expect(screen.queryByTestId("preview-table")).toBeNull();

    ready = true;
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS));
    expect(await within(await screen.findByTestId("preview-table")).findByText("setosa")).toBeInTheDocument();
    expect(screen.queryByText(HINT)).toBeNull();
    expect(screen.getByText("就绪")).toBeInTheDocument();
    expect(calls.indexOf("GET /api/v1/datasets/d1/preview")).toBeGreaterThan(calls.indexOf("GET /api/v1/datasets/d1"));
    expect(calls.filter((c) => c === "GET /api/v1/datasets/d1")).toHaveLength(2);
  });

  it("says the same in English", async () => {
    setLanguage("en");
    stubApi({ "GET /api/v1/datasets/d1": () => json(processingDataset()) });
    renderDetail();
    expect(await screen.findByTestId("dataset-processing")).toHaveTextContent(
      "The file is large and is being converted in the background; this page refreshes when it is done",
    );
    expect(screen.getByText("Processing")).toBeInTheDocument();
  });

  it("shows why a dataset failed, does not poll, and deletes it from the alert", async () => {
    const calls = stubApi({
      "GET /api/v1/datasets/d1": () => json(failed),
      "DELETE /api/v1/datasets/d1": () => new Response(null, { status: 204 }),
    });
    renderDetail();
    const alert = await screen.findByTestId("dataset-failed");
    expect(alert).toHaveTextContent("转换失败");
    expect(alert).toHaveTextContent("第 3 行的字段数与表头不一致");
    expect(screen.getByText("失败")).toBeInTheDocument();
    expect(screen.queryByTestId("preview-table")).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(DATASET_POLL_MS * 3));
    expect(calls).toEqual(["GET /api/v1/datasets/d1"]);

    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(within(alert).getByRole("button", { name: /删\s*除/ }));
    await user.click(await screen.findByRole("button", { name: /^(OK|确\s*定)$/ }));
    await waitFor(() => expect(screen.getByTestId("elsewhere")).toBeInTheDocument());
    expect(calls).toContain("DELETE /api/v1/datasets/d1");
  });
});
