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
