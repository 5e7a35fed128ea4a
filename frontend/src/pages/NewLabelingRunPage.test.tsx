import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import type { LabelingPreview, TeacherOption } from "../lib/teachers";
import { PROJECT, dataset, page, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { NewLabelingRunPage } from "./NewLabelingRunPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const TEACHERS: TeacherOption[] = [{
  id: "t1", name: "千问", kind: "qwen",
  models: [{
    model: "qwen-plus",
    price: { id: "x", model: "qwen-plus", input_per_m: "0.8", cached_input_per_m: "0.8", output_per_m: "2", currency: "CNY", effective_from: "2026-01-01" },
  }],
}];

const PREVIEW: LabelingPreview = {
  prompts: [{ row_index: 0, messages: [{ role: "user", content: "评论：很好用\n类别：正面/负面" }] }],
  estimate: {
    rows: 3, input_tokens: 1500, output_tokens: 30, cost: "12.5", currency: "CNY",
    teachers: [{ provider_id: "t1", model: "qwen-plus", input_tokens: 1500, output_tokens: 30, cost: "12.5" }],
  },
  ask_cost: "0.0031",
};

const ANSWERS: LabelingPreview["answers"] = [{
  row_index: 0, output: "正面", agreement: 0.5, confidence: 0.5, error: null,
  votes: [
    { teacher: "千问/qwen-plus", value: "正面", error: null },
    { teacher: "深度求索/deepseek-chat", value: null, error: { code: "content_filter", message: "blocked" } },
  ],
}];

async function fillForm(user: ReturnType<typeof userEvent.setup>, budget: string) {
  fireEvent.change(await screen.findByTestId("run-name"), { target: { value: "情感" } });
  await choose(user, "run-dataset", "iris.csv");
  await choose(user, "run-columns", "review · 文本");
  fireEvent.change(screen.getByTestId("label-name"), { target: { value: "正面" } });
  await choose(user, "run-teachers", "千问 / qwen-plus · ¥0.80 / ¥2.00");
  fireEvent.change(screen.getByTestId("run-budget"), { target: { value: budget } });
}

async function choose(user: ReturnType<typeof userEvent.setup>, testId: string, title: string) {
  await user.click(within(screen.getByTestId(testId)).getByRole("combobox"));
  await user.click((await screen.findAllByTitle(title)).at(-1)!);
}

describe("NewLabelingRunPage", () => {
  it("previews the prompts and the estimate, and will not start a run over its budget", async () => {
    const bodies: unknown[] = [];
    const calls = stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/datasets": () =>
        json(page([dataset({ columns: [{ name: "review", dtype: "string", inferred_type: "text" }] })])),
      "GET /api/v1/llm-providers/teachers": () => json(TEACHERS),
      "POST /api/v1/labeling-runs/preview": async (_, request) => {
        bodies.push(await request.json());
        return json(PREVIEW);
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<ProjectProvider><NewLabelingRunPage /></ProjectProvider>);
    await fillForm(user, "10");
    expect(screen.getByTestId("run-start")).toBeDisabled();

    await user.click(screen.getByTestId("run-preview"));
    expect(await screen.findByTestId("estimate-cost")).toHaveTextContent("¥12.50");
    expect(screen.getByText(/评论：很好用/)).toBeInTheDocument();
    expect(screen.getByText("估算费用超过预算")).toBeInTheDocument();
    expect(screen.getByTestId("run-start")).toBeDisabled();
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toMatchObject({
      name: "情感", dataset_id: "d1", text_columns: ["review"],
      task: { kind: "classify", labels: [{ name: "正面", description: "" }], examples: [] },
      teachers: [{ provider_id: "t1", model: "qwen-plus" }], budget: "10", currency: "CNY", template: null,
    });
    expect(calls).not.toContain("POST /api/v1/labeling-runs");
  }, 240_000);

  it("shows what asking the teachers costs before asking, then each teacher's answer per prompt", async () => {
    const asked: string[] = [];
    const calls = stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/datasets": () =>
        json(page([dataset({ columns: [{ name: "review", dtype: "string", inferred_type: "text" }] })])),
      "GET /api/v1/llm-providers/teachers": () => json(TEACHERS),
      "POST /api/v1/labeling-runs/preview": (url) => {
        asked.push(url.search);
        return json(url.searchParams.get("ask_teachers") === "true" ? { ...PREVIEW, answers: ANSWERS } : PREVIEW);
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<ProjectProvider><NewLabelingRunPage /></ProjectProvider>);
    await fillForm(user, "20");
    await user.click(screen.getByTestId("run-preview"));
    expect(await screen.findByTestId("ask-cost")).toHaveTextContent("最多花费 ¥0.0031（每位教师回答前 1 条提示各一次");
    expect(screen.queryByTestId("answers-0")).toBeNull();
    expect(asked).toEqual([""]);

    await user.click(screen.getByTestId("run-ask"));
    const answers = await screen.findByTestId("answers-0");
    expect(asked).toEqual(["", "?ask_teachers=true"]);
    expect(answers).toHaveTextContent("投票结果正面 · 一致率 50%");
    expect(answers).toHaveTextContent("千问/qwen-plus正面");
    expect(answers).toHaveTextContent("深度求索/deepseek-chat内容被教师模型的内容审核拦截");
    expect(screen.getByTestId("ask-cost")).toHaveTextContent("回答已付费并缓存");
    expect(screen.getByTestId("run-ask")).toBeDisabled();
    expect(screen.getByTestId("run-start")).toBeEnabled();
    expect(calls).not.toContain("POST /api/v1/labeling-runs");
  }, 240_000);
});
