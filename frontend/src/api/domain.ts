/** Datasets, jobs and models as the console uses them: generated types where the schema has them. */
import type { components } from "./schema";

type S = components["schemas"];

export type Dataset = S["DatasetRead"];

/** A trainer as the registry serves it; its params schema typed for the form builder. */
export type TrainerInfo = Omit<S["TrainerInfo"], "params_schema"> & { params_schema: JsonSchema };

/** A task type as the registry serves it: roles, predict input, labels and trainers. */
export type TaskTypeInfo = Omit<S["TaskTypeInfo"], "trainers"> & { trainers: TrainerInfo[] };

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  items?: JsonSchema;
  const?: unknown;
  [key: string]: unknown;
}

export type Job = S["JobRead"];
export type JobStatus = Job["status"];

export type JobEvent = S["JobEventRead"];
export type ModelVersion = S["ModelVersionRead"];
/** A model list item: the version without its report, params and files. */
export type ModelVersionSummary = S["ModelVersionSummary"];

export type Distillation = S["DistillationRead"];

/** A score with its bootstrap 95 % interval. */
export interface Interval {
  value: number;
  ci_low: number;
  ci_high: number;
}

export interface Quality {
  n: number;
  /** Classes in the gold labels scored; with one, macro-F1 is null (see the report's notes). */
  classes?: number;
  accuracy: Interval | null;
  macro_f1: Interval | null;
}

export interface Latency {
  n: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** What an LLM student answered on the gold set (answers are matched to a label exactly). */
export interface LlmAnswers {
  instruction: string;
  labels: string[];
  max_new_tokens: number;
  unparsed: number;
  answers: string[];
}

/** The report a distillation stores once its student is evaluated (`DistillationRead.report`). */
export interface DistillationReport {
  /** The student's task type: `text_classification` or `llm_sft` (absent in older reports). */
  student_task_type?: string;
  /** An LLM student's answers to the gold rows, the prompt and how many named no label. */
  llm_answers?: LlmAnswers | null;
  gold_rows: number;
  /** Gold texts the student also trained on (its scores on them are not on unseen data). */
  gold_rows_in_training: number;
  gold_classes?: string[];
  /** Rows the student trained on, and labeled rows left out because their text is a gold text. */
  training_rows?: number | null;
  gold_overlap_removed?: number | null;
  currency: string;
  cpu_hour_price: number;
  quality: { student: Quality; teacher: Quality };
  latency: { student: Latency; teacher: Latency };
  student_cpu_seconds_per_prediction: number;
  /** CPU-seconds of the student's train job (its child processes); null when not recorded. */
  training_cpu_seconds: number | null;
  teacher_usage: {
    calls: number;
    input_tokens: number;
    cached_input_tokens: number;
    output_tokens: number;
    cost: string;
    predictions: number;
    models: string[];
  };
  cost: {
    teacher_per_1k: number;
    student_per_1k: number;
    teacher_labeling_cost: number;
    training_cost: number;
    one_off_cost: number;
    break_even_predictions: number | null;
  };
  /** What a reader must know to read the figures right (`code` is translated, `message` is English). */
  notes?: ReportNote[];
}

export interface ReportNote {
  code: string;
  message: string;
  label?: string;
  /** teacher_gold_rows_missing: gold texts the teacher labeled, of `gold`. */
  labeled?: number;
  gold?: number;
}
