import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LabelingRun, ReviewItem, ReviewSummary } from "../api/types";
import { reviewKeyAction } from "../lib/reviewKeys";
import { stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { ReviewQueuePage } from "./ReviewQueuePage";

const RUN = "/api/v1/labeling-runs/r1";
const LABELS = ["正面", "负面"];

const run = {
  id: "r1", project_id: "p1", dataset_id: "d1", name: "情感标注", text_columns: ["评论"],
  task: { kind: "classify", labels: LABELS.map((name) => ({ name, description: "" })), examples: [] },
  template: "", teachers: [], params: {}, budget: "10", currency: "CNY", estimate: {}, status: "succeeded",
  rows_total: 4, rows_done: 4, input_tokens: 0, output_tokens: 0, cost: "0", error: null, output_dataset_id: null, job_id: null,
  created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
} as LabelingRun;

function item(index: number, text: string, output: string | null): ReviewItem {
  return {
    row_index: index, source: { 评论: text }, output,
    votes: [{ teacher: "千问/qwen-plus", value: output, error: null }, { teacher: "深度求索/deepseek-chat", value: "正面", error: null }],
    agreement: 0.5, confidence: 0.5, error: null, review_status: "pending", reviewed_output: null, reviewer_id: null, reviewed_at: null,
  };
}

const summary: ReviewSummary = {
  threshold: 0.7, rows: 4, to_review: 2, skipped: 0, reviewed: 1, accepted: 1, corrected: 0,
  teachers: [{ teacher: "千问/qwen-plus", agreed: 1, reviewed: 1, share: 1 }],
  majority: { teacher: "majority", agreed: 0, reviewed: 1, share: 0 },
};

/** The backend for one run with rows 1 and 3 to review; returns the review bodies posted by row. */
function backend() {
  const posted: [number, unknown][] = [];
  const items = [item(1, "服务太差了，再也不来", "负面"), item(3, "等了一个小时才上菜", "正面")];
  const review = (row: number) => async (_url: URL, request: Request) => {
    posted.push([row, await request.json()]);
    return json({ ...items.find((i) => i.row_index === row), review_status: "accepted" });
  };
  stubApi({
    [`GET ${RUN}`]: () => json(run),
    [`GET ${RUN}/review-queue`]: () => json({ items, total: 2, limit: 50, offset: 0, threshold: 0.7 }),
    [`GET ${RUN}/review-summary`]: () => json(summary),
    [`POST ${RUN}/rows/1/review`]: review(1),
    [`POST ${RUN}/rows/3/review`]: review(3),
    [`PATCH ${RUN}/review-settings`]: async (_url, request) => {
      posted.push([-1, await request.json()]);
      return json({ review_threshold: 0.5 });
    },
  });
  return posted;
}

const show = () => renderWithProviders(<ReviewQueuePage />, { path: "/labeling-runs/:runId/review", route: "/labeling-runs/r1/review" });
const press = (key: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(window, { key, ...init });

afterEach(() => vi.unstubAllGlobals());

describe("ReviewQueuePage keyboard", () => {
  it("accepts, picks a label by number, skips and moves with the arrows", async () => {
    const posted = backend();
    show();
    expect(await screen.findByText("服务太差了，再也不来")).toBeInTheDocument();
    expect(screen.getByTestId("review-position")).toHaveTextContent("1 / 2");

    press("a");
    await waitFor(() => expect(posted).toEqual([[1, { action: "accept" }]]));
    press("ArrowRight");
    expect(await screen.findByText("等了一个小时才上菜")).toBeInTheDocument();
    expect(screen.getByTestId("review-position")).toHaveTextContent("2 / 2");
    press("2");
    await waitFor(() => expect(posted[1]).toEqual([3, { action: "correct", output: "负面" }]));
    press("9");
    press("a", { ctrlKey: true });
    press("ArrowLeft");
    expect(await screen.findByText("服务太差了，再也不来")).toBeInTheDocument();
    press("S");
    await waitFor(() => expect(posted[2]).toEqual([1, { action: "skip" }]));
    expect(posted).toHaveLength(3);
  });

  it("opens the editor with E and leaves keys typed there alone", async () => {
    const posted = backend();
    show();
    expect(await screen.findByText("服务太差了，再也不来")).toBeInTheDocument();
    press("e");
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("修改第 1 行的结论");
    const first = within(dialog).getByLabelText("1. 正面");
    fireEvent.keyDown(first, { key: "a" });
    fireEvent.click(first);
    fireEvent.click(within(dialog).getByText(/保\s*存/));
    await waitFor(() => expect(posted).toEqual([[1, { action: "correct", output: "正面" }]]));
  });

  it("stores a new confidence threshold, and keys typed in its field do not review", async () => {
    const posted = backend();
    show();
    expect(await screen.findByText("服务太差了，再也不来")).toBeInTheDocument();
    const field = screen.getByTestId("review-threshold");
    fireEvent.change(field, { target: { value: "0.5" } });
    fireEvent.keyDown(field, { key: "a" });
    fireEvent.blur(field);
    await waitFor(() => expect(posted).toEqual([[-1, { review_threshold: 0.5 }]]));
  });

  it("maps keys to actions only outside fields and without modifiers", () => {
    const input = document.createElement("textarea");
    expect(reviewKeyAction({ key: "A" }, LABELS)).toEqual({ type: "accept" });
    expect(reviewKeyAction({ key: "1" }, LABELS)).toEqual({ type: "label", label: "正面" });
    expect(reviewKeyAction({ key: "3" }, LABELS)).toBeNull();
    expect(reviewKeyAction({ key: "1" }, [])).toBeNull();
    expect(reviewKeyAction({ key: "e", target: input }, LABELS)).toBeNull();
    expect(reviewKeyAction({ key: "s", metaKey: true }, LABELS)).toBeNull();
    expect(reviewKeyAction({ key: "ArrowRight" }, LABELS)).toEqual({ type: "next" });
    expect(reviewKeyAction({ key: "x" }, LABELS)).toBeNull();
  });
});
