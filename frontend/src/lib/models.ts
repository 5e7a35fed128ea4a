/** Reading a model version's report and a job's metric series. */
import type { ModelVersion } from "../api/domain";
import type { Point } from "./jobStream";

export interface PerClass {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Importance {
  feature: string;
  importance: number;
}

export interface Mistake {
  row?: Record<string, unknown>;
  text?: string;
  true: unknown;
  predicted: unknown;
  confidence?: number;
}

/** The parts of `report` the detail page draws (missing parts are empty). */
export function readReport(model: ModelVersion) {
  const r = model.report ?? {};
  const labels = (Array.isArray(r.labels) ? r.labels : (model.info?.classes as unknown[]) ?? []).map(String);
  return {
    labels,
    confusion: Array.isArray(r.confusion_matrix) ? (r.confusion_matrix as number[][]) : null,
    perClass: Array.isArray(r.per_class) ? (r.per_class as PerClass[]) : [],
    importance: Array.isArray(r.feature_importance) ? (r.feature_importance as Importance[]) : [],
    mistakes: Array.isArray(r.mistakes) ? (r.mistakes as Mistake[]) : [],
  };
}

/** The columns a prediction row needs. */
export function inputColumns(model: ModelVersion): string[] {
  const fromInfo = model.info?.input_columns;
  if (Array.isArray(fromInfo) && fromInfo.length) return fromInfo.map(String);
  const text = model.columns?.text;
  if (typeof text === "string") return [text];
  const features = model.columns?.features;
  return Array.isArray(features) ? features.map(String) : [];
}

/** Scalar metrics as [name, value] pairs, sorted by name. */
export function scalarMetrics(model: Pick<ModelVersion, "metrics">): [string, number][] {
  return Object.entries(model.metrics ?? {})
    .filter((e): e is [string, number] => typeof e[1] === "number")
    .sort(([a], [b]) => a.localeCompare(b));
}

interface MetricPoint {
  value: number | null;
  step: number | null;
  epoch: number | null;
}

/** `/jobs/{id}/metrics` → chart series, keys prefixed (for overlaying several jobs). */
export function seriesFromMetrics(body: Record<string, MetricPoint[]>, prefix = ""): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const [key, points] of Object.entries(body)) {
    out[prefix + key] = points
      .filter((p) => typeof p.value === "number")
      .map((p, i) => [p.step ?? p.epoch ?? i, p.value as number]);
  }
  return out;
}
