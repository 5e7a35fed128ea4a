import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import { PROJECT, dataset, page, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { NewJobPage } from "./NewJobPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const GIB = 1024 ** 3;
const text = (zh: string, en: string) => ({ zh, en });
const role = (name: string, label: string) => ({
  name, label: text(label, name), help: text("", ""), required: false, multiple: false, dtypes: [], all_others_when_empty: false, predicts: false,
});
const LLM_TASK = {
  task_type: "llm_sft", label: text("大模型微调", "LLM SFT"), description: text("", ""), target_role: "response",
  columns: ["prompt", "response", "system"], column_roles: [role("prompt", "提示列"), role("response", "回答列"), role("system", "系统提示列")],
  default_trainer: "lora_sft", predict_input: { columns_from: ["prompt"] },
  trainers: [{
    name: "lora_sft", title: "LoRA SFT (TRL)", description: "", available: true, missing_libraries: [], requires: [], supports_checkpoints: true,
    defaults: { base_model: "tiny-chat", max_seq_length: 64, batch_size: 4 },
    params_schema: {
      type: "object",
      properties: {
        base_model: { type: "string", title: "Base model", default: "tiny-chat", "x-label": text("基础模型", "Base model") },
        max_seq_length: { type: "integer", title: "Max sequence length", default: 64, minimum: 16, "x-label": text("最大序列长度", "Max sequence length") },
        batch_size: { type: "integer", title: "Batch size", default: 4, minimum: 1, "x-label": text("批大小", "Batch size") },
      },
    },
  }],
};
const BASE = {
  name: "tiny-chat", path: "/m/base/tiny-chat", ok: true, problems: [], model_type: "llama", architectures: ["LlamaForCausalLM"],
  parameters: 135_000_000, size_bytes: 270 * 1024 ** 2, kind: "llm", licence: "Apache-2.0", languages: ["zh", "en"], chat_template: true, context_length: 8192,
};
const RENDERED = "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n您好<|im_end|>\n";

describe("NewJobPage for llm_sft", () => {
  it("previews the chat data through the template, estimates memory and confirms a submit that will not fit", async () => {
    const bodies: Record<string, unknown>[] = [];
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/task-types": () => json([LLM_TASK]),
      "GET /api/v1/datasets": () => json(page([dataset({ name: "chat.jsonl", columns: [{ name: "messages", dtype: "object", inferred_type: "text" }] })])),
      "GET /api/v1/finetune/base-models": () => json([BASE]),
      "POST /api/v1/finetune/chat-preview": async (_url, request) => {
        bodies.push({ preview: await request.json() });
        return json({
          format: "messages", rows_total: 3, rows_usable: 3, errors: [], problems: [], rows_measured: 3,
          rendered: [{ row: 1, text: RENDERED, tokens: 21, truncated: false }],
          tokens: { rows: 3, max_seq_length: 64, truncated_rows: 1 },
        });
      },
      "POST /api/v1/finetune/memory-estimate": async (_url, request) => {
        bodies.push({ memory: await request.json() });
        return json({
          device: "cpu", needed: 12 * GIB, available: 8 * GIB, fits: false, weights: GIB, lora: 0, activations: 10 * GIB, logits: GIB,
          overhead: 0, lora_parameters: 1000, lower: ["batch_size", "max_seq_length"],
        });
      },
      "POST /api/v1/jobs": async (_url, request) => {
        bodies.push({ job: await request.json() });
        return json({ id: "j1" }, 201);
      },
    });
    renderWithProviders(<ProjectProvider><NewJobPage /></ProjectProvider>, { path: "/jobs/new", route: "/jobs/new?dataset=d1" });
    const user = userEvent.setup();
    const next = async () => user.click(await screen.findByRole("button", { name: /下一步/ }, { timeout: 10_000 }));

    await screen.findByTitle("chat.jsonl (3 × 1)", {}, { timeout: 10_000 });
    await next();
    await user.click(await screen.findByText("大模型微调（SFT）"));
    await next();

    expect(await screen.findByTestId("chat-format", {}, { timeout: 10_000 })).toHaveTextContent("识别出的格式：OpenAI messages");
    expect(screen.getByTestId("chat-truncation")).toHaveTextContent("按最大序列长度 64，1 / 3 行会被截断");
    expect(screen.getByTestId("chat-preview").querySelector("pre")?.textContent).toBe(RENDERED);
    expect(bodies[0]).toEqual({ preview: { dataset_id: "d1", base_model: "tiny-chat", columns: {}, max_seq_length: 64 } });
    await next();

    const verdict = await screen.findByTestId("memory-verdict", {}, { timeout: 10_000 });
    expect(verdict).toHaveTextContent("内存不足：预计需要 12.0 GB，可用 8.0 GB");
    expect(verdict).toHaveTextContent("建议调整：减小批大小、减小最大序列长度");
    await waitFor(() => expect(bodies.some((b) => "memory" in b)).toBe(true));
    expect(bodies.find((b) => "memory" in b)).toEqual({ memory: { base_model: "tiny-chat", params: { base_model: "tiny-chat", max_seq_length: 64, batch_size: 4 } } });
    await next();

    await user.click(await screen.findByTestId("job-submit", {}, { timeout: 10_000 }));
    expect(bodies.some((b) => "job" in b)).toBe(false);
    await user.click(await screen.findByRole("button", { name: /^(确\s*定|OK)$/ }));
    await waitFor(() => expect(bodies.some((b) => "job" in b)).toBe(true), { timeout: 10_000 });
    const job = bodies.find((b) => "job" in b)?.job as { params: Record<string, unknown>; task_type: string };
    expect(job.task_type).toBe("llm_sft");
    expect(job.params.base_model).toBe("tiny-chat");
  }, 120_000);
});
