import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { formatTime } from "../lib/format";
import { ProjectProvider } from "../hooks/useProject";
import { PROJECT, dataset, page, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { DistillationsPage } from "./DistillationsPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const text = (zh: string, en: string) => ({ zh, en });
const trainer = (name: string, params_schema: Record<string, unknown>, defaults: Record<string, unknown> = {}) => ({
  name, title: name, description: "", available: true, missing_libraries: [], requires: [], supports_checkpoints: false, defaults, params_schema,
});
const TASK_TYPES = [
  {
    task_type: "text_classification", label: text("文本分类", "Text classification"), description: text("", ""), target_role: "label",
    columns: ["text", "label"], column_roles: [], default_trainer: "tfidf_linear", predict_input: { columns_from: ["text"] },
    trainers: [trainer("tfidf_linear", { type: "object", properties: {} })],
  },
  {
    task_type: "llm_sft", label: text("大模型微调", "LLM SFT"), description: text("", ""), target_role: "response",
    columns: ["prompt", "response"], column_roles: [], default_trainer: "lora_sft", predict_input: { columns_from: ["prompt"] },
    trainers: [trainer("lora_sft", {
      type: "object",
      properties: {
        base_model: { type: "string", default: "SmolLM2-135M-Instruct" },
        max_seq_length: { type: "integer", default: 512, minimum: 16, "x-label": text("最大序列长度", "Max sequence length"), "x-help": text("每段对话的词元数上限", "Tokens per conversation") },
        epochs: { type: "number", default: 1, exclusiveMinimum: 0, "x-label": text("训练轮数", "Epochs"), "x-help": text("遍历训练集的次数", "Passes over the training split") },
        batch_size: { type: "integer", default: 4, "x-label": text("批大小", "Batch size") },
        learning_rate: { type: "number", default: 0.0002, "x-label": text("学习率", "Learning rate") },
        lora_r: { type: "integer", default: 16, minimum: 1, maximum: 512, "x-label": text("LoRA 秩", "LoRA rank"), "x-help": text("LoRA 低秩矩阵的秩", "LoRA rank") },
      },
    }, { max_seq_length: 512, epochs: 1, learning_rate: 0.0002, lora_r: 16 })],
  },
];
const BASE = {
  name: "tiny-chat", path: "/m/base/tiny-chat", ok: true, problems: [], model_type: "llama", architectures: ["LlamaForCausalLM"],
  parameters: 135_000_000, size_bytes: 270 * 1024 ** 2, kind: "llm", licence: "Apache-2.0", languages: ["zh"], chat_template: true, context_length: 2048,
};
const GOLD = dataset({ id: "g1", name: "金标准.csv", columns: [{ name: "text", dtype: "object", inferred_type: "text" }, { name: "gold", dtype: "object", inferred_type: "categorical" }] });

const CREATED = "2026-05-01T08:00:00Z";
const RUNS = [
  { id: "r1", name: "情感标注", status: "succeeded", task: { kind: "classify" }, created_at: CREATED },
  { id: "r2", name: "抽取任务", status: "succeeded", task: { kind: "extract" }, created_at: CREATED },
  { id: "r3", name: "进行中", status: "running", task: { kind: "classify" }, created_at: CREATED },
];

async function choose(user: ReturnType<typeof userEvent.setup>, testId: string, title: string) {
  await user.click(within(await screen.findByTestId(testId)).getByRole("combobox"));
  await user.click((await screen.findAllByTitle(title)).at(-1)!);
}

function routes(bodies: Record<string, unknown>[], answer: () => Response) {
  return {
    "GET /api/v1/projects": () => json(page([PROJECT])),
    "GET /api/v1/task-types": () => json(TASK_TYPES),
    "GET /api/v1/distillations": () => json({ ...page([]), next_cursor: null }),
    "GET /api/v1/datasets": () => json(page([GOLD])),
    "GET /api/v1/labeling-runs": (url: URL) => json(page(RUNS.filter((run) => run.status === url.searchParams.get("status")))),
    "GET /api/v1/finetune/base-models": () => json([BASE]),
    "POST /api/v1/distillations": async (_url: URL, request: Request) => {
      bodies.push((await request.json()) as Record<string, unknown>);
      return answer();
    },
  };
}

async function fillCommon(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("create-distillation"));
  fireEvent.change(await screen.findByTestId("distill-name"), { target: { value: "情感蒸馏" } });
  await user.click(within(screen.getByTestId("distill-run")).getByRole("combobox"));
  // Only the succeeded classify run is offered.
  expect(screen.queryByTitle(`抽取任务 · ${formatTime(CREATED)}`)).not.toBeInTheDocument();
  expect(screen.queryByTitle(`进行中 · ${formatTime(CREATED)}`)).not.toBeInTheDocument();
  await user.click((await screen.findAllByTitle(`情感标注 · ${formatTime(CREATED)}`)).at(-1)!);
  await choose(user, "distill-gold", "金标准.csv");
  await choose(user, "distill-gold-text", "text");
  await choose(user, "distill-gold-label", "gold");
}

describe("DistillationsPage form", () => {
  it("sends an LLM student: the base model picked and the LoRA settings, with zh help", async () => {
    const bodies: Record<string, unknown>[] = [];
    stubApi(routes(bodies, () => json({ id: "x1" }, 201)));
    const user = userEvent.setup();
    renderWithProviders(<ProjectProvider><DistillationsPage /></ProjectProvider>);
    await fillCommon(user);
    await user.click(screen.getByText("大模型微调（LoRA）"));
    expect(await screen.findByText(/评估时回答须与某个类别完全一致/)).toBeInTheDocument();
    expect(screen.queryByText("学生训练器")).not.toBeInTheDocument();
    expect(screen.getAllByText("LoRA 低秩矩阵的秩 · 取值范围 1 – 512").length).toBeGreaterThan(0);
    await choose(user, "base-model-picker", "tiny-chat · 135.0 M · 270.0 MB · 2048");
    const rank = screen.getByLabelText("LoRA 秩");
    await user.clear(rank);
    await user.type(rank, "8");
    await user.click(screen.getByRole("button", { name: /^(确\s*定|OK)$/ }));
    await waitFor(() => expect(bodies).toHaveLength(1), { timeout: 10_000 });
    expect(bodies[0]).toEqual({
      name: "情感蒸馏", labeling_run_id: "r1", gold_dataset_id: "g1", gold_text_column: "text", gold_label_column: "gold",
      student: { task_type: "llm_sft", trainer: "lora_sft", params: { base_model: "tiny-chat", max_seq_length: 512, epochs: 1, learning_rate: 0.0002, lora_r: 8 } },
    });
  }, 240_000);

  it("shows the server's refusal of the base model at the picker, and sends a classifier by default", async () => {
    const bodies: Record<string, unknown>[] = [];
    const refusal = { error: { code: "base_model_not_found", message: "student.params.base_model: Base model 'tiny-chat' not found", details: { field: "student.params.base_model" } } };
    stubApi(routes(bodies, () => (bodies.length === 1 ? json(refusal, 422) : json({ id: "x2" }, 201))));
    const user = userEvent.setup();
    renderWithProviders(<ProjectProvider><DistillationsPage /></ProjectProvider>);
    await fillCommon(user);
    await user.click(screen.getByText("大模型微调（LoRA）"));
    await choose(user, "base-model-picker", "tiny-chat · 135.0 M · 270.0 MB · 2048");
    await user.click(screen.getByRole("button", { name: /^(确\s*定|OK)$/ }));
    expect(await screen.findByText("基础模型不存在", {}, { timeout: 10_000 })).toBeInTheDocument();

    await user.click(screen.getByText("文本分类器"));
    await user.click(screen.getByRole("button", { name: /^(确\s*定|OK)$/ }));
    await waitFor(() => expect(bodies).toHaveLength(2), { timeout: 10_000 });
    expect(bodies[1].student).toEqual({ task_type: "text_classification", trainer: "tfidf_linear" });
  }, 240_000);
});
