/** Column mappings as the task-type registry describes them (`columns`: the roles a task needs). */
import type { TaskTypeInfo } from "../api/domain";

export interface MappingValues {
  target?: string;
  features?: string[];
  text?: string;
  label?: string;
  prompt?: string;
  response?: string;
  system?: string;
}

/** The role that holds the class or value to learn, as the registry names it. */
export function labelRole(task?: Pick<TaskTypeInfo, "target_role">): "label" | "target" {
  return task?.target_role === "label" ? "label" : "target";
}

/** The `columns` object a job or validation expects, built from the task's roles. */
export function mappingFor(task: Pick<TaskTypeInfo, "columns"> | undefined, values: MappingValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const role of task?.columns ?? []) {
    const value = values[role as keyof MappingValues];
    out[role] = role === "features" ? (Array.isArray(value) && value.length ? value : null) : value;
  }
  return out;
}
