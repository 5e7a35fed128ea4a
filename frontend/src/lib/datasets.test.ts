import { describe, expect, it } from "vitest";
import { DATASET_POLL_MS, isReady, pollWhileProcessing } from "./datasets";

describe("dataset status", () => {
  it("polls only while some dataset is processing", () => {
    expect(pollWhileProcessing([{ status: "ready" }, { status: "processing" }])).toBe(DATASET_POLL_MS);
    expect(pollWhileProcessing([{ status: "ready" }, { status: "failed" }])).toBe(false);
    expect(pollWhileProcessing([])).toBe(false);
    expect(pollWhileProcessing(undefined)).toBe(false);
  });

  it("calls only ready datasets ready", () => {
    expect([isReady({ status: "ready" }), isReady({ status: "processing" }), isReady({ status: "failed" })]).toEqual([true, false, false]);
  });
});
