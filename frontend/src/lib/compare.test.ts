import { describe, expect, it } from "vitest";
import { bestValue, differingParams, lowerIsBetter } from "./compare";

describe("compare", () => {
  it("knows losses and errors are better small", () => {
    expect(lowerIsBetter("validation/log_loss")).toBe(true);
    expect(lowerIsBetter("rmse")).toBe(true);
    expect(lowerIsBetter("accuracy")).toBe(false);
    expect(bestValue("accuracy", [0.8, 0.93, null])).toBe(0.93);
    expect(bestValue("rmse", [1.5, 0.7, "x"])).toBe(0.7);
    expect(bestValue("f1", [null, undefined])).toBeUndefined();
  });

  it("lists only the params that differ", () => {
    expect(differingParams([{ lr: 0.1, depth: 3 }, { lr: 0.1, depth: 5 }, { lr: 0.1, depth: 3, extra: 1 }])).toEqual(["depth", "extra"]);
    expect(differingParams([{ a: [1, 2] }, { a: [1, 2] }])).toEqual([]);
  });
});
