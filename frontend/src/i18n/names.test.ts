import { renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { metricName, useNames } from "./names";

describe("metricName", () => {
  it("names a split's metric, and the base model's score beside a fine-tuned one's", () => {
    const { result } = renderHook(() => useNames());
    expect(metricName(result.current, "validation/loss")).toBe("验证集 · 损失");
    expect(metricName(result.current, "base_accuracy")).toBe("基础模型 · 准确率");
    expect(metricName(result.current, "base_stop_rate")).toBe("基础模型 · 自行结束占比");
  });
});
