import { renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { metricName, paramValue, useNames } from "./names";

describe("metricName", () => {
  it("names a split's metric, and the base model's score beside a fine-tuned one's", () => {
    const { result } = renderHook(() => useNames());
    expect(metricName(result.current, "validation/loss")).toBe("验证集 · 损失");
    expect(metricName(result.current, "base_accuracy")).toBe("基础模型 · 准确率");
    expect(metricName(result.current, "base_stop_rate")).toBe("基础模型 · 自行结束占比");
  });
});

describe("paramValue", () => {
  it("names the common hyper-parameter words and leaves numbers and free text as sent", () => {
    const { result } = renderHook(() => useNames());
    expect(paramValue(result.current, "p", "none")).toBe("无");
    expect(paramValue(result.current, "p", null)).toBe("无");
    expect(paramValue(result.current, "p", true)).toBe("是");
    expect(paramValue(result.current, "p", "cosine")).toBe("余弦");
    expect(paramValue(result.current, "p", 0.05)).toBe("0.05");
    expect(paramValue(result.current, "p", "q_proj")).toBe("q_proj");
    expect(paramValue(result.current, "p", ["q_proj", "v_proj"])).toBe('["q_proj","v_proj"]');
    expect(paramValue(result.current, "base_model", "linear")).toBe("linear");
  });
});
