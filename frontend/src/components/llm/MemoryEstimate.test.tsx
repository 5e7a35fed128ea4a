import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderWithProviders } from "../../test/render";
import { MemoryVerdict, type Estimate } from "./MemoryEstimate";

const GIB = 1024 ** 3;
const estimate = (fields: Partial<Estimate>): Estimate => ({
  device: "cpu", needed: 2 * GIB, available: 8 * GIB, fits: true, weights: GIB, lora: 0, activations: 0, logits: 0,
  overhead: 0, lora_parameters: 0, lower: [], ...fields,
});

describe("MemoryVerdict", () => {
  it("says what to lower, in Chinese, when the run does not fit", () => {
    renderWithProviders(<MemoryVerdict estimate={estimate({ needed: 12 * GIB, fits: false, lower: ["batch_size", "gradient_checkpointing"] })} />);
    const alert = screen.getByTestId("memory-verdict");
    expect(alert.textContent).toContain("内存不足：预计需要 12.0 GB，可用 8.0 GB");
    expect(alert.textContent).toContain("建议调整：减小批大小、开启梯度检查点");
  });

  it("says it fits without advice", () => {
    renderWithProviders(<MemoryVerdict estimate={estimate({})} />);
    expect(screen.getByTestId("memory-verdict").textContent).toBe("内存充足");
  });

  it("defers to the check at start on GPUs, where free memory is not known here", () => {
    renderWithProviders(<MemoryVerdict estimate={estimate({ device: "cuda", available: null, fits: null, lower: ["quantization"] })} />);
    const alert = screen.getByTestId("memory-verdict");
    expect(alert.textContent).toContain("GPU 上的可用显存在训练开始时检查");
    expect(alert.textContent).toContain("使用 4 位量化（QLoRA）");
  });
});
