/** Datasets, jobs and models as the console uses them (wire shapes of those endpoints). */
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface DatasetColumn {
  name: string;
  dtype: string;
  [key: string]: unknown;
}

export interface Dataset {
  id: string;
  project_id: string;
  name: string;
  description: string;
  original_filename: string;
  format: string;
  encoding: string | null;
  size_bytes: number;
  row_count: number;
  columns: DatasetColumn[];
  created_at: string;
}

export interface ValidationIssue {
  code: string;
  message: string;
  column?: string | null;
  count?: number | null;
  rows: number[];
}

export interface ValidationReport {
  ok: boolean;
  task_type: string;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  rows_total: number;
  rows_usable: number;
  rows_dropped: number;
  drop_reasons: Record<string, number>;
  class_counts?: Record<string, number> | null;
}

export interface TrainerInfo {
  name: string;
  title: string;
  description: string;
  params_schema: JsonSchema;
  defaults: Record<string, unknown>;
  available: boolean;
  missing_libraries: string[];
}

export interface TaskTypeInfo {
  task_type: string;
  columns: string[];
  default_trainer: string;
  trainers: TrainerInfo[];
}

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

export type JobStatus = "queued" | "running" | "cancelling" | "succeeded" | "failed" | "cancelled";

export interface Job {
  id: string;
  project_id: string;
  name: string;
  task_type: string;
  trainer: string;
  dataset_id: string | null;
  columns: Record<string, unknown>;
  params: Record<string, unknown>;
  status: JobStatus;
  progress: number;
  epoch: number | null;
  step: number | null;
  total_steps: number | null;
  message: string | null;
  error_code: string | null;
  error_message: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  model_id?: string | null;
  model_version_id?: string | null;
  eta_seconds?: number | null;
}

export interface JobEvent {
  id: number;
  job_id: string;
  type: string;
  data: Record<string, unknown>;
  created_at: string;
}

export interface ModelVersion {
  id: string;
  project_id: string;
  job_id: string | null;
  name: string;
  version: number;
  description: string;
  task_type: string;
  trainer: string;
  model_format: string;
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  columns: Record<string, unknown>;
  report: Record<string, unknown>;
  info: Record<string, unknown>;
  dataset_id: string | null;
  size_bytes: number;
  created_at: string;
}

export interface Prediction {
  [key: string]: unknown;
}
