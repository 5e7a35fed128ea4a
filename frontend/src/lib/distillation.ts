/** Chart options of a distillation report: quality with interval bars, latency, cost. */
import type { DistillationReport, Interval } from "../api/domain";

export type Model = "student" | "teacher";
export const MODELS: Model[] = ["student", "teacher"];
const COLORS: Record<Model, string> = { student: "#1677ff", teacher: "#fa8c16" };

/** One bar of the quality chart: a model's score and its interval. */
export interface QualityBar {
  model: Model;
  metric: "accuracy" | "macro_f1";
  score: Interval;
}

/** The scores that exist (the teacher has none when it labeled no gold row). */
export function qualityBars(report: DistillationReport): QualityBar[] {
  const bars: QualityBar[] = [];
  for (const metric of ["accuracy", "macro_f1"] as const) {
    for (const model of MODELS) {
      const score = report.quality[model][metric];
      if (score) bars.push({ model, metric, score });
    }
  }
  return bars;
}

interface ErrorBarApi {
  value: (dimension: number) => number;
  coord: (point: number[]) => number[];
  size: (point: number[]) => number[];
}

/** Bars with 95 % interval whiskers (a custom series drawing a line and two caps per bar). */
export function qualityOption(bars: QualityBar[], label: (bar: QualityBar) => string) {
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 24, bottom: 48 },
    xAxis: { type: "category", data: bars.map(label), axisLabel: { interval: 0 } },
    yAxis: { type: "value", min: 0, max: 1 },
    series: [
      {
        type: "bar",
        barWidth: "45%",
        data: bars.map((bar) => ({ value: bar.score.value, itemStyle: { color: COLORS[bar.model] } })),
      },
      {
        type: "custom",
        name: "95% CI",
        data: bars.map((bar, index) => [index, bar.score.ci_low, bar.score.ci_high]),
        renderItem: (_params: unknown, api: ErrorBarApi) => {
          const low = api.coord([api.value(0), api.value(1)]);
          const high = api.coord([api.value(0), api.value(2)]);
          const half = api.size([1, 0])[0] * 0.1;
          const style = { stroke: "#333", lineWidth: 1.5 };
          const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: "line", shape: { x1, y1, x2, y2 }, style });
          return {
            type: "group",
            children: [
              line(high[0], high[1], low[0], low[1]),
              line(high[0] - half, high[1], high[0] + half, high[1]),
              line(low[0] - half, low[1], low[0] + half, low[1]),
            ],
          };
        },
        z: 10,
      },
    ],
  };
}

/** Grouped bars: one group per category, one bar per model. */
export function groupedOption(categories: string[], values: Record<Model, (number | null)[]>, names: Record<Model, string>, unit: string) {
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 64, right: 16, top: 32, bottom: 32 },
    xAxis: { type: "category", data: categories },
    yAxis: { type: "value", name: unit },
    series: MODELS.map((model) => ({ type: "bar", name: names[model], data: values[model], itemStyle: { color: COLORS[model] } })),
  };
}
