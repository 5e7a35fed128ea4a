import { describe, expect, it } from "vitest";
import type { DistillationReport } from "../api/domain";
import { qualityBars, qualityOption } from "./distillation";

const interval = (value: number) => ({ value, ci_low: value - 0.1, ci_high: value + 0.1 / 2 });
const report = {
  quality: {
    student: { n: 40, accuracy: interval(0.8), macro_f1: interval(0.78) },
    teacher: { n: 0, accuracy: null, macro_f1: null },
  },
} as unknown as DistillationReport;

describe("distillation report charts", () => {
  it("draws only the scores that exist, each with its interval", () => {
    const bars = qualityBars(report);
    expect(bars.map((b) => `${b.model}:${b.metric}`)).toEqual(["student:accuracy", "student:macro_f1"]);
    const option = qualityOption(bars, (b) => b.metric);
    expect(option.xAxis.data).toEqual(["accuracy", "macro_f1"]);
    expect(option.series[1].data).toEqual([
      [0, 0.8 - 0.1, 0.8 + 0.05],
      [1, 0.78 - 0.1, 0.78 + 0.05],
    ]);
  });
});
