import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { DistillationPage } from "./DistillationPage";

const interval = (value: number) => ({ value, ci_low: value - 0.04, ci_high: value + 0.03 });
const REPORT = {
  gold_rows: 40,
  gold_rows_in_training: 0,
  gold_classes: ["正面", "负面"],
  training_rows: 120,
  gold_overlap_removed: 40,
  currency: "CNY",
  cpu_hour_price: 0.3,
  quality: {
    student: { n: 40, classes: 2, accuracy: interval(0.85), macro_f1: interval(0.84) },
    teacher: { n: 40, classes: 2, accuracy: interval(0.9), macro_f1: interval(0.9) },
  },
  latency: { student: { n: 40, p50_ms: 1.2, p95_ms: 2.5 }, teacher: { n: 160, p50_ms: 800, p95_ms: 1500 } },
  student_cpu_seconds_per_prediction: 0.001,
  training_cpu_seconds: 4.2,
  teacher_usage: { calls: 160, input_tokens: 20000, cached_input_tokens: 5000, output_tokens: 2400, cost: "0.05", predictions: 160, models: ["qwen-plus"] },
  cost: { teacher_per_1k: 0.3125, student_per_1k: 0.0000833, teacher_labeling_cost: 0.05, training_cost: 0.00035, one_off_cost: 0.05035, break_even_predictions: 161160.2 },
  notes: [],
};
const DISTILLATION = {
  id: "x1", project_id: "p1", name: "情感蒸馏", labeling_run_id: "r1", training_dataset_id: "d2", gold_dataset_id: "d3",
  gold_text_column: "text", gold_label_column: "gold", student: { trainer: "tfidf_linear" }, train_job_id: "j1",
  eval_job_id: "j2", model_version_id: "m1", status: "succeeded", error: null, report: REPORT,
  created_at: "2026-12-04T00:00:00Z", updated_at: "2026-12-04T00:00:00Z",
};

// jsdom has no canvas: ECharts instances are replaced by one that records the options it is given.
const options = vi.hoisted(() => [] as unknown[]);
vi.mock("echarts/core", async (original) => ({
  ...(await original<typeof import("echarts/core")>()),
  init: () => ({ setOption: (option: unknown) => options.push(option), resize: () => undefined, dispose: () => undefined }),
}));

afterEach(() => {
  vi.unstubAllGlobals();
  options.length = 0;
});

describe("DistillationPage", () => {
  it("shows the report: charts, break-even volume and downloads", async () => {
    stubApi({ "GET /api/v1/distillations/x1": () => json(DISTILLATION) });
    renderWithProviders(<DistillationPage />, { path: "/distillations/:id", route: "/distillations/x1" });
    expect(await screen.findByText("情感蒸馏")).toBeInTheDocument();
    expect(screen.getByText("已完成")).toBeInTheDocument();
    expect(screen.getByText("文本分类器 · TF-IDF + 线性模型")).toBeInTheDocument();
    for (const chart of ["quality-chart", "latency-chart", "cost-chart"]) expect(screen.getByTestId(chart)).toBeInTheDocument();
    expect(screen.getByText("盈亏平衡预测量")).toBeInTheDocument();
    expect(screen.getByText("40 行，其中 0 行也在训练数据中")).toBeInTheDocument();
    expect(screen.getByText("120 行（已去除 40 行与金标准文本相同的标注数据）")).toBeInTheDocument();
    expect(screen.getByText(/4\.2 CPU 秒/)).toBeInTheDocument();
    expect(screen.getByText((161161).toLocaleString("zh"))).toBeInTheDocument();
    expect(screen.getByTestId("download-md")).toHaveTextContent("下载报告（Markdown）");
    const quality = options[0] as { series: { type: string; data: unknown[] }[] };
    expect(quality.series[1]).toMatchObject({ type: "custom", data: [[0, 0.85 - 0.04, 0.85 + 0.03], [1, 0.9 - 0.04, 0.9 + 0.03], [2, 0.84 - 0.04, 0.84 + 0.03], [3, 0.9 - 0.04, 0.9 + 0.03]] });
  });

  it("shows a one-class gold set's note and only the accuracy bars", async () => {
    const oneClass = {
      ...REPORT,
      gold_classes: ["正面"],
      quality: {
        student: { n: 40, classes: 1, accuracy: interval(0.85), macro_f1: null },
        teacher: { n: 40, classes: 1, accuracy: interval(0.9), macro_f1: null },
      },
      notes: [{ code: "one_gold_class", message: "Every gold row has the label '正面'", label: "正面" }],
    };
    stubApi({ "GET /api/v1/distillations/x1": () => json({ ...DISTILLATION, report: oneClass }) });
    renderWithProviders(<DistillationPage />, { path: "/distillations/:id", route: "/distillations/x1" });
    expect(await screen.findByTestId("note-one_gold_class")).toHaveTextContent("金标准集只有一个类别（正面）");
    const quality = options[0] as { series: { type: string; data: unknown[] }[] };
    expect(quality.series[1].data).toHaveLength(2);
  });

  it("names an LLM student, its instruction and the answers that named no label", async () => {
    const instruction = "请判断下面的文本属于哪一个类别，只回答类别名称，不要解释。类别：正面、负面。";
    const llm = {
      ...DISTILLATION,
      student: { task_type: "llm_sft", trainer: "lora_sft", params: { base_model: "tiny-chat" }, instruction, labels: ["正面", "负面"] },
      report: { ...REPORT, student_task_type: "llm_sft", llm_answers: { instruction, labels: ["正面", "负面"], max_new_tokens: 128, unparsed: 3, answers: [] } },
    };
    stubApi({ "GET /api/v1/distillations/x1": () => json(llm) });
    renderWithProviders(<DistillationPage />, { path: "/distillations/:id", route: "/distillations/x1" });
    expect(await screen.findByText("大模型微调（LoRA） · LoRA 监督微调（TRL） · tiny-chat")).toBeInTheDocument();
    expect(screen.getByText(instruction)).toBeInTheDocument();
    expect(screen.getByTestId("llm-unparsed")).toHaveTextContent("3 / 40 条回答不是任何类别（记为错误）");
    for (const chart of ["quality-chart", "latency-chart", "cost-chart"]) expect(screen.getByTestId(chart)).toBeInTheDocument();
  });

  it("says how many gold texts the teacher's quality stands on when its run labeled only some", async () => {
    const note = { code: "teacher_gold_rows_missing", message: "The labeling run holds the teacher's answer for 0 of the 40 gold texts", labeled: 0, gold: 40 };
    const report = { ...REPORT, quality: { ...REPORT.quality, teacher: { n: 0, classes: 0, accuracy: null, macro_f1: null } }, notes: [note] };
    stubApi({ "GET /api/v1/distillations/x1": () => json({ ...DISTILLATION, report }) });
    renderWithProviders(<DistillationPage />, { path: "/distillations/:id", route: "/distillations/x1" });
    expect(await screen.findByTestId("note-teacher_gold_rows_missing")).toHaveTextContent(
      "标注任务只有 40 行金标准文本中 0 行的教师答案：教师的质量只在这些行上计算（为 0 行时不计算）",
    );
    expect(screen.getByText("学生: 40 行 · 教师: 0 行")).toBeInTheDocument();
  });

  it("says the report is on its way while the student trains", async () => {
    stubApi({ "GET /api/v1/distillations/x1": () => json({ ...DISTILLATION, status: "training", report: null, model_version_id: null }) });
    renderWithProviders(<DistillationPage />, { path: "/distillations/:id", route: "/distillations/x1" });
    expect(await screen.findByText("报告会在学生训练完成并评估后生成")).toBeInTheDocument();
    expect(screen.getByText("学生训练中")).toBeInTheDocument();
  });
});
