import { describe, expect, it } from "vitest";
import type { Job } from "../api/domain";
import { MAX_LOG_LINES, initialStream, isFinished, reduceStream } from "./jobStream";

const job = { id: "j1", status: "queued", progress: 0, epoch: null, step: null, total_steps: null, message: null } as unknown as Job;
const ev = (id: number, type: string, data: Record<string, unknown>) => ({ id, job_id: "j1", type, data, created_at: "2026-01-01T00:00:00Z" });

describe("reduceStream", () => {
  it("takes the job from the snapshot and ignores pings", () => {
    const s = reduceStream(reduceStream(initialStream, { type: "snapshot", job }), { type: "ping" });
    expect(s.job?.status).toBe("queued");
    expect(s.lastEventId).toBe(0);
  });

  it("builds metric series per split and name", () => {
    let s = reduceStream(initialStream, { type: "snapshot", job });
    s = reduceStream(s, ev(1, "metrics", { metrics: { loss: 0.9, auc: 0.6 }, step: 1, split: "validation" }));
    s = reduceStream(s, ev(2, "metrics", { metrics: { loss: 0.5 }, step: 2, split: "validation" }));
    expect(s.series["validation/loss"]).toEqual([[1, 0.9], [2, 0.5]]);
    expect(s.series["validation/auc"]).toEqual([[1, 0.6]]);
    expect(s.lastEventId).toBe(2);
  });

  it("ignores events at or before the cursor (replay after reconnect adds nothing twice)", () => {
    let s = reduceStream(initialStream, ev(5, "metrics", { metrics: { loss: 1 }, step: 1, split: "train" }));
    s = reduceStream(s, ev(5, "metrics", { metrics: { loss: 1 }, step: 1, split: "train" }));
    s = reduceStream(s, ev(3, "log", { level: "info", message: "old" }));
    expect(s.series["train/loss"]).toHaveLength(1);
    expect(s.logs).toHaveLength(0);
  });

  it("applies progress and status to the job and keeps a timeline", () => {
    let s = reduceStream(initialStream, { type: "snapshot", job });
    s = reduceStream(s, ev(1, "status", { status: "running", previous: "queued" }));
    s = reduceStream(s, ev(2, "progress", { fraction: 0.4, step: 4, total_steps: 10, message: "fitting" }));
    expect(s.job).toMatchObject({ status: "running", progress: 0.4, step: 4, total_steps: 10, message: "fitting" });
    expect(s.timeline.map((e) => e.type)).toEqual(["status", "progress"]);
  });

  it("keeps only the last log lines", () => {
    let s = initialStream;
    for (let i = 1; i <= MAX_LOG_LINES + 10; i++) s = reduceStream(s, ev(i, "log", { level: "info", message: `line ${i}` }));
    expect(s.logs).toHaveLength(MAX_LOG_LINES);
    expect(s.logs.at(-1)).toBe(`[info] line ${MAX_LOG_LINES + 10}`);
  });

  it("knows the terminal states", () => {
    expect(["succeeded", "failed", "cancelled"].every(isFinished)).toBe(true);
    expect(["queued", "running", "cancelling", undefined].some(isFinished)).toBe(false);
  });
});
