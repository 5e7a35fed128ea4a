/** Task types and their column mappings (as the trainers' registry defines them). */
export const TASK_TYPES = ["tabular_classification", "tabular_regression", "text_classification"] as const;

export interface MappingValues {
  target?: string;
  features?: string[];
  text?: string;
  label?: string;
}

/** The `columns` object a job or validation expects for a task type. */
export function mappingFor(taskType: string, values: MappingValues): Record<string, unknown> {
  if (taskType === "text_classification") return { text: values.text, label: values.label };
  return { target: values.target, features: values.features?.length ? values.features : null };
}
